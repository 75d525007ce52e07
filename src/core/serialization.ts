import { inspect } from "node:util";
import { DevalueError, stringify, unflatten } from "devalue";
import { SerializationError } from "../errors/index.js";

/**
 * How arguments and results are stored. Two formats, told apart by their first characters:
 *
 * - **Plain JSON** for values that are plain JSON (null, booleans, finite numbers, strings,
 *   arrays, plain objects): stored as they are, readable in the database and the monitor. Rows
 *   written before the rich format existed are plain JSON too (with Dates tagged
 *   `{"$nenc:date": iso}`, still decoded).
 * - **Rich values** — Date, Map, Set, BigInt, undefined (inside objects and lists), NaN,
 *   ±Infinity, -0, typed arrays, ArrayBuffer, URL, URLSearchParams, RegExp, repeated and
 *   circular references — are encoded by devalue and stored as `{"$nenc:devalue": [...]}`,
 *   still a JSON document. Decoding rebuilds data only (devalue's `unflatten`): nothing stored
 *   is ever evaluated.
 *
 * Functions, symbols, promises and class instances are refused at the call, with the path of
 * the offending value (SerializationError); nothing is recorded.
 */

const RICH_KEY = "$nenc:devalue";
const RICH_PREFIX = `{"${RICH_KEY}":`;
/** The tag of a Date in plain-JSON rows written before the rich format (decoded, never written). */
const LEGACY_DATE_TAG = "$nenc:date";
/** How a result of `undefined` (a task that returns nothing) is stored. */
const UNDEFINED_TEXT = '{"$nenc:undefined":1}';

/** The stored text of `value`; a SerializationError naming `path` when it cannot be stored. */
export function encode(value: unknown, path = "value"): string {
  if (isPlainJson(value, new Set())) return JSON.stringify(value);
  try {
    return `${RICH_PREFIX}${stringify(value)}}`;
  } catch (err) {
    if (!(err instanceof DevalueError)) throw err;
    const at = `${path}${err.path}`;
    throw new SerializationError(`Cannot serialize ${at}: ${why(err)}.`, at, { cause: err });
  }
}

function why(err: DevalueError): string {
  const v: unknown = err.value;
  if (typeof v === "function") return "a function is not serializable (pass data, not code)";
  if (typeof v === "symbol") return "a symbol is not serializable";
  if (v !== null && typeof v === "object") {
    if (Object.getOwnPropertySymbols(v).length > 0 && err.message.includes("symbolic keys")) {
      return "an object with symbol keys is not serializable";
    }
    if (typeof (v as { then?: unknown }).then === "function") return "a promise is not serializable (await it first)";
    const name = (v as object).constructor?.name ?? "unknown";
    return `an instance of ${name} is not serializable (pass plain objects, arrays, primitives, Date, Map, Set, typed arrays or URL)`;
  }
  return err.message;
}

/**
 * True when JSON.stringify/JSON.parse give the value back unchanged: only null, booleans,
 * strings, finite numbers (not -0), dense arrays of those and plain objects without undefined
 * members, symbol keys or keys of nenc's own tags, and no cycles.
 */
function isPlainJson(value: unknown, path: Set<object>): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      break;
    default:
      return false;
  }
  const obj = value as object;
  if (path.has(obj)) return false;
  path.add(obj);
  let plain = true;
  if (Array.isArray(obj)) {
    for (let i = 0; plain && i < obj.length; i++) plain = i in obj && isPlainJson(obj[i], path);
  } else if (Object.getPrototypeOf(obj) !== Object.prototype || Object.getOwnPropertySymbols(obj).length > 0) {
    plain = false;
  } else {
    for (const [k, v] of Object.entries(obj)) {
      if (k.startsWith("$nenc:") || !isPlainJson(v, path)) {
        plain = false;
        break;
      }
    }
  }
  path.delete(obj);
  return plain;
}

/** A task's result: like `encode`, and a task that returns nothing (`undefined`) is a result too. */
export function encodeResult(value: unknown, path: string): string {
  return value === undefined ? UNDEFINED_TEXT : encode(value, path);
}

/** Whether a stored result is that of a task that returned nothing. */
export function isUndefinedResult(text: string): boolean {
  return text === UNDEFINED_TEXT;
}

export function decode(text: string): unknown {
  if (isUndefinedResult(text)) return undefined;
  if (text.startsWith(RICH_PREFIX)) {
    const doc = JSON.parse(text) as Record<string, unknown>;
    return unflatten(doc[RICH_KEY] as number | unknown[]);
  }
  if (!text.includes(LEGACY_DATE_TAG)) return JSON.parse(text) as unknown;
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const tag = (v as Record<string, unknown>)[LEGACY_DATE_TAG];
      if (typeof tag === "string" && Object.keys(v).length === 1) return new Date(tag);
    }
    return v;
  }) as unknown;
}

/** A stored value for people (the monitor): plain JSON indented, a rich value as Node prints it. */
export function describeStoredValue(text: string): string {
  try {
    if (text.startsWith(RICH_PREFIX)) return inspect(decode(text), { depth: 8, breakLength: 100 });
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
