import { createHash } from "node:crypto";
import { CorruptRecordError, ValueTooLargeError } from "../errors/index.js";
import type { StoredValue, ValueStore } from "./contract/index.js";

/**
 * Large arguments and results (pynenc's client data store): an encoded value above
 * `largeValueBytes` is stored once under its content hash in the state backend's value store,
 * and the invocation (or its outcome) records a reference instead, so the broker and status
 * rows stay small. A reference is not JSON (it starts with "@"), so it never collides with an
 * encoded value.
 */
const REF_PREFIX = "@nenc:value:";

export interface ValueLimits {
  largeValueBytes: number;
  maxValueBytes: number;
}

export function isValueRef(text: string): boolean {
  return text.startsWith(REF_PREFIX);
}

/** Refuse an encoded value above `maxValueBytes` (ValueTooLargeError naming `path`). */
export function checkValueSize(text: string, limits: ValueLimits, path: string): void {
  // A UTF-8 byte count is at most 3 × the UTF-16 length: measure only what might be too large.
  if (text.length * 3 <= limits.maxValueBytes) return;
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxValueBytes) throw new ValueTooLargeError(path, bytes, limits.maxValueBytes);
}

/**
 * What to record for an encoded value of `invocationId`: the text itself, or (above
 * `largeValueBytes`) a reference, with the value to put in the value store.
 */
export function externalize(
  text: string,
  invocationId: string,
  limits: ValueLimits,
): { text: string; value: StoredValue | null } {
  if (text.length <= limits.largeValueBytes / 3 || Buffer.byteLength(text) <= limits.largeValueBytes) {
    return { text, value: null };
  }
  const hash = `sha256:${createHash("sha256").update(text).digest("hex")}`;
  return { text: `${REF_PREFIX}${hash}`, value: { hash, data: text, invocationId } };
}

/** The stored texts with references replaced by their values (one read for all). */
export async function resolveValues(store: ValueStore, texts: readonly string[]): Promise<string[]> {
  const hashes = texts.filter(isValueRef).map((t) => t.slice(REF_PREFIX.length));
  if (hashes.length === 0) return [...texts];
  const values = await store.getValues([...new Set(hashes)]);
  return texts.map((t) => {
    if (!isValueRef(t)) return t;
    const v = values.get(t.slice(REF_PREFIX.length));
    if (v === undefined) {
      throw new CorruptRecordError(`The large value ${t.slice(REF_PREFIX.length)} is missing from the value store.`);
    }
    return v;
  });
}

export async function resolveValue(store: ValueStore, text: string): Promise<string> {
  return isValueRef(text) ? ((await resolveValues(store, [text]))[0] ?? text) : text;
}
