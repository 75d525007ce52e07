import { validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { newInvocationId } from "../../src/core/ids.js";

describe("invocation ids", () => {
  it("are UUIDv7s, unique, and sort in the order they were made (also within one millisecond)", () => {
    const ids = Array.from({ length: 5000 }, () => newInvocationId());
    for (const id of ids.slice(0, 50)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // Their time prefix is the clock's: the first 12 hex digits are the ms timestamp.
    const ms = Number.parseInt(ids[0]?.replace(/-/g, "").slice(0, 12) ?? "", 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });

  it("draw fresh random bytes across pool refills (no repeated random tails)", () => {
    const tails = new Set(Array.from({ length: 2000 }, () => newInvocationId().slice(-12)));
    expect(tails.size).toBe(2000);
  });
});
