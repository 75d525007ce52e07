import { describe, expect, it } from "vitest";
import { LazyAbort } from "../../src/runners/execution/lazy-abort.js";

describe("an execution's lazily made abort signal", () => {
  it("aborts a signal read before the abort, with the reason", () => {
    const a = new LazyAbort();
    const signal = a.signal;
    let heard: unknown = null;
    signal.addEventListener("abort", () => {
      heard = signal.reason;
    });
    a.abort("gone");
    expect(signal.aborted).toBe(true);
    expect(heard).toBe("gone");
  });

  it("gives a signal read after the abort already aborted, with the first reason", () => {
    const a = new LazyAbort();
    expect(a.aborted).toBe(false);
    a.abort("first");
    a.abort("second");
    expect(a.aborted).toBe(true);
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe("first");
    expect(a.signal).toBe(a.signal);
  });
});
