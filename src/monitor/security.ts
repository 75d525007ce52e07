import { randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { ConfigError } from "../errors/index.js";

const COOKIE = "nenc_monitor_token";

export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Binding anything but loopback needs a token (flag or NENC__MONITOR_TOKEN). */
export function checkBind(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new ConfigError(
      `The monitor binds ${host}, which other machines can reach: give a token with --token or NENC__MONITOR_TOKEN.`,
      "monitorToken",
      "nenc monitor --host",
    );
  }
}

export function newSecret(): string {
  return randomBytes(24).toString("hex");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * With a token: every request carries it as `Authorization: Bearer <t>`, in the cookie set
 * after a first visit with `?token=<t>`, or it gets 401.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const fromQuery = c.req.query("token");
    if (fromQuery !== undefined && same(fromQuery, token)) {
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: "Strict", path: "/" });
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      // Path only, one leading slash: never a redirect to another host.
      return c.redirect(`/${url.pathname.replace(/^\/+/, "")}${url.search}`, 303);
    }
    const auth = c.req.header("authorization");
    const presented = auth?.startsWith("Bearer ") ? auth.slice(7) : getCookie(c, COOKIE);
    if (presented === undefined || !same(presented, token)) {
      return c.text("401: this monitor needs its token (open it once with ?token=<token>).", 401);
    }
    await next();
  };
}

/**
 * Mutating requests: POST only, same origin (Hono's csrf middleware checks Origin and
 * Sec-Fetch-Site) and the per-server form token (`_csrf`).
 */
export function csrfProtection(formToken: string): MiddlewareHandler[] {
  const check: MiddlewareHandler = async (c, next) => {
    if (c.req.method !== "POST") return next();
    const form = await c.req.parseBody();
    const given = form._csrf;
    if (typeof given !== "string" || !same(given, formToken)) {
      return c.text("403: missing or wrong CSRF token; reload the page and try again.", 403);
    }
    await next();
  };
  return [csrf(), check];
}
