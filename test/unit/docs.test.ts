import { readFileSync } from "node:fs";
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
