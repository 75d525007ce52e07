import type { StatusCount } from "../../core/contract/index.js";
import { type Html, html } from "../html.js";
import { keyValues, section, statusBadge } from "./parts.js";

export interface BrokerPageData {
  /** The broker's class name. */
  broker: string;
  depth: number;
  counts: readonly StatusCount[];
}

export function brokerPage({ broker, depth, counts }: BrokerPageData): Html {
  const waiting = (s: string) => counts.filter((k) => k.status === s).reduce((a, k) => a + k.count, 0);
  return html`<h1>Broker</h1>
      ${section(
        `Queue of ${broker}`,
        keyValues([
          ["queue depth (ready and delayed)", html`<strong id="broker-depth">${depth}</strong>`],
          [html`${statusBadge("REGISTERED")} waiting`, waiting("REGISTERED")],
          [html`${statusBadge("REROUTED")} waiting`, waiting("REROUTED")],
          [html`${statusBadge("RETRY")} waiting for backoff`, waiting("RETRY")],
        ]),
      )}
      <p class="hint">nenc has one queue per app; depth counts every queued delivery.</p>`;
}
