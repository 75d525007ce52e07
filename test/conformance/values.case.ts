/**
 * Conformance cases for the value store (large arguments and results); part of the one suite
 * in backend.case.ts (called from inside it), so every engine runs them.
 */
import { expect } from "vitest";
import type { Components } from "../../src/core/contract/index.js";
import { externalize, resolveValues } from "../../src/core/large-values.js";

interface Ctx {
  test(name: string, fn: () => Promise<void>): void;
  components(): Components;
}

export function valueStoreCases({ test, components }: Ctx): void {
  test("large values: stored once by hash, shared, deleted with their last reference", async () => {
    const c = components();
    const limits = { largeValueBytes: 1000, maxValueBytes: 10_000_000 };
    const big = JSON.stringify(["é".repeat(300_000)]); // about 600 KB of UTF-8
    const a = externalize(big, "inv-a", limits);
    const b = externalize(big, "inv-b", limits);
    const other = externalize(JSON.stringify(["x".repeat(2000)]), "inv-c", limits);
    expect(a.value).not.toBeNull();
    expect(a.text).toBe(b.text); // the same content, the same reference
    expect(a.text.length).toBeLessThan(100);
    expect(externalize("[1]", "inv-a", limits)).toEqual({ text: "[1]", value: null });
    await c.stateBackend.putValues([a.value!, b.value!, other.value!]);
    await c.stateBackend.putValues([a.value!]); // again: nothing changes
    expect(await resolveValues(c.stateBackend, [a.text, "[1]", b.text])).toEqual([big, "[1]", big]);
    expect((await c.stateBackend.getValues(["sha256:unknown"])).size).toBe(0);

    await c.stateBackend.deleteInvocations(["inv-a"]);
    expect(await resolveValues(c.stateBackend, [b.text])).toEqual([big]); // inv-b still references it
    await c.stateBackend.deleteInvocations(["inv-b"]);
    expect((await c.stateBackend.getValues([a.value!.hash])).size).toBe(0);
    expect((await c.stateBackend.getValues([other.value!.hash])).size).toBe(1);
    await c.stateBackend.purge();
    expect((await c.stateBackend.getValues([other.value!.hash])).size).toBe(0);
  });
}
