/**
 * Regenerates the README sections derived from code: the config table (CONFIG_KEYS) and the
 * status table (STATUS_TABLE). `npm run docs`; test/unit/docs.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigTable } from "../src/config/schema.js";
import { renderStatusTable } from "../src/core/status-diagram.js";

export const GENERATED: Record<string, () => string> = {
  "config-table": renderConfigTable,
  "status-table": renderStatusTable,
};

export function regenerate(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(GENERATED)) {
    const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README has no <!-- ${name}:start --> ... <!-- ${name}:end --> markers`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}\n${render()}\n${b}`);
  }
  return out;
}

if (process.argv[1] === import.meta.filename) {
  const readme = join(import.meta.dirname, "../README.md");
  writeFileSync(readme, regenerate(readFileSync(readme, "utf8")));
  console.log("README.md regenerated");
}
