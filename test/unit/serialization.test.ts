import { describe, expect, it } from "vitest";
import { decode, encode } from "../../src/core/serialization.js";
import { ErrorCode, SerializationError, serializeError, TaskFailedError } from "../../src/errors/index.js";

describe("serialization", () => {
  it("round-trips JSON values and Dates", () => {
    const value = [1, "two", { three: [3, null, true], when: new Date("2026-01-02T03:04:05.000Z") }];
    expect(decode(encode(value))).toEqual(value);
  });

  const refused: Array<[string, unknown, string]> = [
    ["a function", [() => 1], "args[0]"],
    ["a class instance", [{ nested: new Map() }], "args[0].nested"],
    ["a bigint", [10n], "args[0]"],
    ["NaN", [Number.NaN], "args[0]"],
    ["undefined in a list", [[1, undefined]], "args[0][1]"],
    ["a symbol", [Symbol("x")], "args[0]"],
  ];
  it.each(refused)("refuses %s and names where it is", (_what, value, path) => {
    const err = (() => {
      try {
        encode(value, "args");
      } catch (e) {
        return e;
      }
    })() as SerializationError;
    expect(err).toBeInstanceOf(SerializationError);
    expect(err.code).toBe(ErrorCode.Serialization);
    expect(err.path).toBe(path);
  });

  it("refuses cycles", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => encode([a], "args")).toThrow(/circular/);
  });

  it("a failed task's error keeps name, message, stack, code and cause", () => {
    const original = Object.assign(new RangeError("too big", { cause: new Error("root") }), { code: "E_BIG" });
    const restored = new TaskFailedError("inv", "task", serializeError(original));
    expect(restored.originalName).toBe("RangeError");
    expect(restored.message).toBe("too big");
    expect(restored.stack).toBe(original.stack);
    expect(restored.originalCode).toBe("E_BIG");
    expect((restored.cause as Error).message).toBe("root");
    expect(restored.code).toBe(ErrorCode.TaskFailed);
  });
});
