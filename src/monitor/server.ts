import { readFileSync } from "node:fs";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Nenc } from "../app.js";
import { coerceError } from "../errors/index.js";
import { createContext, type MonitorContext } from "./context.js";
import { MonitorMetrics } from "./metrics.js";
import { registerBroker } from "./routes/broker.js";
import { registerDashboard } from "./routes/dashboard.js";
import { registerInvocation } from "./routes/invocation.js";
import { registerInvocations } from "./routes/invocations.js";
import { registerRunners } from "./routes/runners.js";
import { registerTasks } from "./routes/tasks.js";
import { registerTimeline } from "./routes/timeline.js";
import { registerTriggers } from "./routes/triggers.js";
import { registerWorkflows } from "./routes/workflows.js";
import { checkBind, csrfProtection, newSecret, requireToken } from "./security.js";
import { errorPage } from "./views/error-page.js";

export interface MonitorOptions {
  /** Required for any non-loopback bind; checked on every request when set. */
  token?: string | undefined;
}

const STATIC: Record<string, string> = {
  "style.css": "text/css; charset=utf-8",
  "live.js": "text/javascript; charset=utf-8",
  "timeline.js": "text/javascript; charset=utf-8",
};

function loadStatic(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of Object.keys(STATIC))
    out.set(name, readFileSync(new URL(`./client/${name}`, import.meta.url), "utf8"));
  return out;
}

/** The monitor as a Hono app (tests call `app.request()` on it). */
export function createMonitorApp(app: Nenc, options: MonitorOptions = {}): { hono: Hono; context: MonitorContext } {
  const ctx = createContext(app, newSecret());
  const metrics = new MonitorMetrics(ctx.components, ctx.deadAfterMs);
  const files = loadStatic();
  const hono = new Hono();
  hono.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "same-origin");
    c.header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  });
  if (options.token) hono.use("*", requireToken(options.token));
  hono.use("*", ...csrfProtection(ctx.csrfToken));
  hono.get("/static/:name", (c) => {
    const name = c.req.param("name");
    const body = files.get(name);
    if (body === undefined) return c.notFound();
    return c.body(body, 200, { "Content-Type": STATIC[name] ?? "text/plain", "Cache-Control": "no-cache" });
  });
  registerDashboard(hono, ctx);
  registerTimeline(hono, ctx);
  registerInvocations(hono, ctx);
  registerInvocation(hono, ctx);
  registerTasks(hono, ctx);
  registerWorkflows(hono, ctx);
  registerTriggers(hono, ctx);
  registerRunners(hono, ctx);
  registerBroker(hono, ctx);
  hono.get("/metrics", async (c) => {
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { "Content-Type": contentType });
  });
  hono.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const e = coerceError(err);
    return c.html(errorPage(e.message).value, 500);
  });
  return { hono, context: ctx };
}

export interface RunningMonitor {
  url: string;
  server: ServerType;
  close(): Promise<void>;
}

/** Serve the monitor; resolves once it listens. Binds 127.0.0.1 unless told otherwise (with a token). */
export async function startMonitor(
  app: Nenc,
  opts: { host?: string; port?: number; token?: string | undefined } = {},
): Promise<RunningMonitor> {
  const host = opts.host ?? "127.0.0.1";
  checkBind(host, opts.token);
  const { hono } = createMonitorApp(app, { token: opts.token });
  return new Promise<RunningMonitor>((resolve) => {
    const server = serve({ fetch: hono.fetch, hostname: host, port: opts.port ?? 8000 }, (info) => {
      const shown = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        server,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
