import type { Hono } from "hono";
import { type MonitorContext, renderPage } from "../context.js";
import { html } from "../html.js";
import { keyValues, section, statusBadge } from "../views/parts.js";

export function registerBroker(app: Hono, ctx: MonitorContext): void {
  app.get("/broker", async (c) => {
    const comps = await ctx.components();
    const [depth, counts] = await Promise.all([comps.broker.depth(), comps.orchestrator.countByStatus()]);
    const waiting = (s: string) => counts.filter((k) => k.status === s).reduce((a, k) => a + k.count, 0);
    const body = html`<h1>Broker</h1>
      ${section(
        `Queue of ${comps.broker.constructor.name}`,
        keyValues([
          ["queue depth (ready and delayed)", html`<strong id="broker-depth">${depth}</strong>`],
          [html`${statusBadge("REGISTERED")} waiting`, waiting("REGISTERED")],
          [html`${statusBadge("REROUTED")} waiting`, waiting("REROUTED")],
          [html`${statusBadge("RETRY")} waiting for backoff`, waiting("RETRY")],
        ]),
      )}
      <p class="hint">nenc has one queue per app; depth counts every queued delivery.</p>`;
    return renderPage(c, { title: "Broker", path: "/broker", body });
  });
}
