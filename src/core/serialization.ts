import { SerializationError } from "../errors/index.js";

/**
 * Arguments and results are stored as JSON. Only values that survive a round trip are
 * accepted: null, booleans, finite numbers, strings, arrays, plain objects and Dates.
 * Anything else (functions, symbols, bigint, class instances, cycles, NaN) is refused at the
 * call with the path of the offending value, so nothing is silently changed on the way.
 */

const DATE_TAG = "$nenc:date";
/** How a result of `undefined` (a task that returns nothing) is stored. */
const UNDEFINED_TEXT = '{"$nenc:undefined":1}';

export function assertSerializable(value: unknown, path = "value"): void {
  check(value, path, new Set());
}

function check(value: unknown, path: string, seen: Set<object>): void {
  if (value === null) return;
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) fail(path, `${value} is not a finite number and would not survive JSON`);
      return;
    case "undefined":
      fail(path, "undefined is not serializable (use null)");
      return;
    case "object": {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) fail(path, "an invalid Date is not serializable");
        return;
      }
      if (seen.has(value)) fail(path, "a circular reference is not serializable");
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          check(item, `${path}[${i}]`, seen);
        });
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          const name = (value as object).constructor?.name ?? "unknown";
          fail(path, `an instance of ${name} is not serializable (pass plain objects, arrays and primitives)`);
        }
        for (const [k, v] of Object.entries(value)) {
          if (v === undefined) continue; // dropped like JSON does; plain-object semantics keep it absent
          check(v, `${path}.${k}`, seen);
        }
      }
      seen.delete(value);
      return;
    }
    default:
      fail(path, `a ${typeof value} is not serializable`);
  }
}

function fail(path: string, why: string): never {
  throw new SerializationError(`Cannot serialize ${path}: ${why}.`, path);
}

/** JSON.stringify calls Date#toJSON before the replacer sees it; tag Dates first. */
function tagDates(value: unknown): unknown {
  if (value instanceof Date) return { [DATE_TAG]: value.toISOString() };
  if (Array.isArray(value)) return value.map(tagDates);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = tagDates(v);
    return out;
  }
  return value;
}

export function encode(value: unknown, path = "value"): string {
  assertSerializable(value, path);
  return JSON.stringify(hasDate(value) ? tagDates(value) : value) ?? "null";
}

function hasDate(value: unknown): boolean {
  if (value instanceof Date) return true;
  if (Array.isArray(value)) return value.some(hasDate);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasDate);
  return false;
}

/** A task's result: like `encode`, and a task that returns nothing (`undefined`) is a result too. */
export function encodeResult(value: unknown, path: string): string {
  return value === undefined ? UNDEFINED_TEXT : encode(value, path);
}

export function decode(text: string): unknown {
  if (text === UNDEFINED_TEXT) return undefined;
  if (!text.includes(DATE_TAG)) return JSON.parse(text) as unknown;
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const tag = (v as Record<string, unknown>)[DATE_TAG];
      if (typeof tag === "string" && Object.keys(v).length === 1) return new Date(tag);
    }
    return v;
  }) as unknown;
}
