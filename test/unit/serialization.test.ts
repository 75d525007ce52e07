import { describe, expect, it } from "vitest";
import { decode, describeStoredValue, encode } from "../../src/core/serialization.js";
import { ErrorCode, SerializationError, serializeError, TaskFailedError } from "../../src/errors/index.js";

describe("serialization", () => {
  it("round-trips JSON values and Dates", () => {
    const value = [1, "two", { three: [3, null, true], when: new Date("2026-01-02T03:04:05.000Z") }];
    expect(decode(encode(value))).toEqual(value);
  });

  it("stores plain JSON as plain JSON (readable, and what rows written before the rich format hold)", () => {
    expect(encode(["o-1", 500, { a: [true, null] }])).toBe('["o-1",500,{"a":[true,null]}]');
  });

  it("round-trips Map, Set, BigInt, undefined inside objects and lists, typed arrays, URL and more", () => {
    const value = [
      new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set(["x"])],
      ]),
      new Set([1, 2, 3]),
      12345678901234567890n,
      { present: 1, missing: undefined },
      [1, undefined, 3],
      new Uint8Array([1, 2, 255]),
      new Float64Array([1.5, -2]),
      new URL("https://example.com/a?b=1#c"),
      new URLSearchParams("q=1&q=2"),
      new Date("2026-01-02T03:04:05.000Z"),
      /ab+c/gi,
      [Number.NaN, Number.POSITIVE_INFINITY, -0],
    ];
    const text = encode(value, "args");
    expect(text.startsWith('{"$nenc:devalue":')).toBe(true);
    expect(() => JSON.parse(text)).not.toThrow(); // still a JSON document (jsonb-safe, greppable)
    const back = decode(text) as unknown[];
    expect(back).toEqual(value);
    expect(back[2]).toBe(12345678901234567890n);
    expect(back[3]).toHaveProperty("missing", undefined);
    expect("missing" in (back[3] as object)).toBe(true);
    expect(back[5]).toBeInstanceOf(Uint8Array);
    expect(back[7]).toBeInstanceOf(URL);
    expect(Object.is((back[11] as number[])[2], -0)).toBe(true);
  });

  it("keeps repeated and circular references", () => {
    const shared = { n: 1 };
    const a: Record<string, unknown> = { shared, again: shared };
    a.self = a;
    const back = decode(encode([a], "args")) as Array<Record<string, unknown>>;
    expect(back[0]?.self).toBe(back[0]);
    expect(back[0]?.shared).toBe(back[0]?.again);
  });

  it("an object using nenc's own tag names is stored in the rich format, so it never reads back as a tag", () => {
    const value = { "$nenc:date": "2026-01-01T00:00:00.000Z" };
    expect(decode(encode(value))).toEqual(value);
    expect(decode(encode({ "$nenc:devalue": [1] }))).toEqual({ "$nenc:devalue": [1] });
  });

  it("decodes rows written before the rich format: plain JSON and tagged Dates", () => {
    expect(decode('["o-1",500]')).toEqual(["o-1", 500]);
    expect(decode('[{"when":{"$nenc:date":"2026-01-02T03:04:05.000Z"}}]')).toEqual([
      { when: new Date("2026-01-02T03:04:05.000Z") },
    ]);
    expect(decode('{"$nenc:undefined":1}')).toBeUndefined();
  });

  it("the monitor's view of a stored value: plain JSON indented, a rich value as Node prints it", () => {
    expect(describeStoredValue(encode({ a: [1] }))).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(describeStoredValue(encode([new Map([["k", 1n]])]))).toBe("[ Map(1) { 'k' => 1n } ]");
    expect(describeStoredValue("not json")).toBe("not json");
  });

  it("decoding never evaluates what is stored", () => {
    (globalThis as Record<string, unknown>).nencPwned = false;
    const hostile = '{"$nenc:devalue":[["Function","globalThis.nencPwned = true"]]}';
    try {
      decode(hostile);
    } catch {
      // refused: fine
    }
    expect(decode('{"$nenc:devalue":["globalThis.nencPwned = true"]}')).toBe("globalThis.nencPwned = true");
    expect((globalThis as Record<string, unknown>).nencPwned).toBe(false);
  });

  class Point {
    constructor(readonly x: number) {}
  }
  const refused: Array<[string, unknown, string, RegExp]> = [
    ["a function", [() => 1], "args[0]", /a function is not serializable/],
    ["a class instance", [{ nested: new Point(1) }], "args[0].nested", /an instance of Point/],
    ["an Error", [[1, new Error("x")]], "args[0][1]", /an instance of Error/],
    ["a symbol", [Symbol("x")], "args[0]", /a symbol/],
    ["a function inside a Map", [new Map([["k", { f: () => 1 }]])], 'args[0].get("k").f', /a function/],
    ["a promise", [{ p: Promise.resolve(1) }], "args[0].p", /a promise/],
  ];
  it.each(refused)("refuses %s and names where it is", (_what, value, path, message) => {
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
    expect(err.message).toMatch(message);
    expect(err.message).toContain(path);
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
