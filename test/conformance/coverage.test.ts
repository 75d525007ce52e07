import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Every backend folder must run the shared suite (BullMQ once shipped a backend that never did). */
describe("every backend runs the conformance suite", () => {
  const root = join(import.meta.dirname, "../../src/backends");
  const backends = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  it.each(backends)("%s", (name) => {
    const file = join(import.meta.dirname, `${name}.test.ts`);
    expect(existsSync(file), `test/conformance/${name}.test.ts is missing`).toBe(true);
    expect(readFileSync(file, "utf8")).toContain("runBackendConformance(");
  });
});
