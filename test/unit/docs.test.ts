import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { regenerate } from "../../scripts/gen-docs.js";

describe("README", () => {
  const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
  it("its config and status tables match the code (run npm run docs)", () => {
    expect(regenerate(readme)).toBe(readme);
  });
  it("shows the two commands, and .ci/run calls the same test command", () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm test");
    expect(readFileSync(join(import.meta.dirname, "../../.ci/run"), "utf8")).toMatch(/^npm test$/m);
  });
});

describe("docs", () => {
  const root = join(import.meta.dirname, "../..");
  const sources = ["README.md", "src/config/schema.ts", ...readdirSync(join(root, "docs")).map((f) => `docs/${f}`)];
  it("every docs/ file the README, the config docs and the docs link to exists", () => {
    const missing: string[] = [];
    for (const src of sources.filter((f) => /\.(md|ts)$/.test(f))) {
      const text = readFileSync(join(root, src), "utf8");
      for (const m of text.matchAll(/\bdocs\/[\w./-]+\.(?:md|png|svg)\b/g)) {
        if (!existsSync(join(root, m[0]))) missing.push(`${src} -> ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
