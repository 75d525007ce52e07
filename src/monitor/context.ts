import type { Context } from "hono";
import { appServices, type Nenc } from "../app.js";
import { deadAfterMs } from "../config/resolve.js";
import type { Components } from "../core/contract/index.js";
import { HistoryCache } from "./history-cache.js";
import { layout, type PageOptions } from "./views/layout.js";

/** The actor id the monitor writes history rows with. */
export const MONITOR_ACTOR = "monitor";

/** What every route needs: the app (read through the backend contract only) and the CSRF token. */
export interface MonitorContext {
  app: Nenc;
  /** Per-server secret every mutating form carries. */
  csrfToken: string;
  components(): Promise<Components>;
  deadAfterMs(): Promise<number>;
  /** History rows and task ids kept between requests (timeline, dashboard, tasks). */
  history: HistoryCache;
}

export function createContext(app: Nenc, csrfToken: string): MonitorContext {
  return {
    app,
    csrfToken,
    components: () => appServices(app).components(),
    deadAfterMs: async () => deadAfterMs((await app.config()).config),
    history: new HistoryCache(async () => (await appServices(app).components()).orchestrator),
  };
}

/** The whole page, or only the <main> content when the live updater asks for it. */
export function renderPage(c: Context, opts: PageOptions): Response {
  if (c.req.header("x-nenc-partial") === "1") return c.html(opts.body.value);
  return c.html(layout(opts).value);
}

/** Clamp a query parameter to a positive integer. */
export function intParam(value: string | undefined, def: number, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n)) return def;
  return Math.min(max, Math.max(min, Math.trunc(n)));
}
