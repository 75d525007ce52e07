import { type Html, html, raw } from "../html.js";

export const NAV = [
  ["/", "Dashboard"],
  ["/timeline", "Timeline"],
  ["/invocations", "Invocations"],
  ["/tasks", "Tasks"],
  ["/workflows", "Workflows"],
  ["/triggers", "Triggers"],
  ["/runners", "Runners"],
  ["/broker", "Broker"],
] as const;

export interface PageOptions {
  title: string;
  /** The nav entry to highlight. */
  path: string;
  body: Html;
  /** Poll and replace <main> every few seconds (off for pages with forms being filled). */
  live?: boolean;
  /** How often to poll; wide timeline ranges poll less often. Default 2500 ms. */
  liveIntervalMs?: number;
}

function navBar(active: string): Html {
  return html`<nav class="top">
    <span class="brand">nenc monitor</span>
    ${NAV.map(([href, label]) => html`<a href="${href}" class="${href === active ? "active" : ""}">${label}</a>`)}
    <span class="live-state" id="live-state"></span>
  </nav>`;
}

export function layout(opts: PageOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · nenc monitor</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body data-live="${opts.live === false ? "off" : "on"}" data-live-interval="${opts.liveIntervalMs ?? 2500}">
${navBar(opts.path)}
<main id="main">${opts.body}</main>
<div id="tooltip" class="tooltip" hidden></div>
${raw('<script src="/static/live.js" defer></script>')}
${raw('<script src="/static/timeline.js" defer></script>')}
</body>
</html>`;
}
