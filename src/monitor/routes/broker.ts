import type { Hono } from "hono";
import { type MonitorContext, renderPage } from "../context.js";
import { brokerPage } from "../views/broker-page.js";

export function registerBroker(app: Hono, ctx: MonitorContext): void {
  app.get("/broker", async (c) => {
    const comps = await ctx.components();
    const [depth, counts] = await Promise.all([comps.broker.depth(), comps.orchestrator.countByStatus()]);
    const body = brokerPage({ broker: comps.broker.constructor.name, depth, counts });
    return renderPage(c, { title: "Broker", path: "/broker", body });
  });
}
