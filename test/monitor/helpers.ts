import { join } from "node:path";
import type { Hono } from "hono";

export const MONITOR_APP = join(import.meta.dirname, "fixture-app.ts");

/** GET a monitor page; returns status and body text. */
export async function get(hono: Hono, path: string, headers: Record<string, string> = {}) {
  const res = await hono.request(path, { headers });
  return { status: res.status, text: await res.text(), res };
}

/** The per-server CSRF token, read from a rendered form. */
export function csrfFrom(page: string): string {
  const m = page.match(/name="_csrf" value="([0-9a-f]+)"/);
  if (!m?.[1]) throw new Error("no CSRF token in the page");
  return m[1];
}

/** POST a form the way a browser on the monitor's own page does. */
export function postForm(hono: Hono, path: string, form: Record<string, string>, origin = "http://localhost") {
  return hono.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin },
    body: new URLSearchParams(form).toString(),
  });
}
