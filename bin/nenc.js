#!/usr/bin/env node
// The nenc command. Installed from the package it runs the compiled CLI (dist/), as plain
// JavaScript. In a development checkout (src/ present) it runs the TypeScript sources through
// tsx, so the CLI and an app importing src/ share one copy of nenc.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  globalThis[Symbol.for("nenc.typescriptLoader")] = true;
  await import(sources.href);
} else {
  await import("../dist/cli/main.js");
}
