import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
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

  it("every file the README and docs/ link to or name in code spans exists, and every #anchor", () => {
    const missing: string[] = [];
    for (const src of sources.filter((f) => f.endsWith(".md"))) {
      const text = readFileSync(join(root, src), "utf8");
      // Links resolve from the file's folder; repository paths in code spans from the root.
      const targets = [
        ...[...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ target: m[1] ?? "", from: dirname(src) })),
        ...[...text.matchAll(/`((?:src|test|docs|examples|bench|scripts|bin)\/[\w./-]+)`/g)].map((m) => ({
          target: m[1] ?? "",
          from: ".",
        })),
      ].filter((t) => !/^[a-z]+:/.test(t.target));
      for (const { target, from } of targets) {
        const [file = "", anchor] = target.split("#");
        const path = file ? join(root, from, file) : join(root, src);
        if (!existsSync(path)) missing.push(`${src} -> ${target}`);
        else if (anchor && path.endsWith(".md") && !anchors(readFileSync(path, "utf8")).has(anchor)) {
          missing.push(`${src} -> ${target} (no such heading)`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.add(
      (m[1] ?? "")
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return out;
}
