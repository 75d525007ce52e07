import { type Html, html } from "../html.js";

/** The bare page of an unexpected error (no layout: rendering the layout may be what failed). */
export function errorPage(message: string): Html {
  return html`<!doctype html><title>error</title><h1>Monitor error</h1><pre>${message}</pre>`;
}
