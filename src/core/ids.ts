import { randomFillSync } from "node:crypto";
import { v7 as uuidv7 } from "uuid";

/**
 * Random bytes for ids, drawn from the CSPRNG a pool at a time (as Node's own randomUUID does):
 * uuid's default source asks the system for 16 bytes per id, which was the largest single cost
 * of a call's registration in a caller's CPU profile (about 2 µs of the id's 2.5 µs).
 */
const POOL_BYTES = 16 * 256;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

function random16(): Uint8Array {
  if (used === POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + 16);
  used += 16;
  return bytes;
}

/**
 * The time and counter of the last id: ids made in the same millisecond count up from a random
 * start, so ids of one process sort in the order they were made (uuid keeps the same state for
 * its own calls, but not for calls given their random bytes).
 */
let lastMs = Number.NEGATIVE_INFINITY;
let seq = 0;

/**
 * Invocation ids are UUIDv7: time-ordered, so invocations registered together sit together in
 * every index (a claim or completion batch touches few B-tree pages).
 */
export function newInvocationId(): string {
  const random = random16();
  const now = Date.now();
  if (now > lastMs) {
    // 31 random bits, as uuid starts a millisecond's sequence: room to count up within it.
    seq = (((random[6] ?? 0) & 0x7f) << 24) | ((random[7] ?? 0) << 16) | ((random[8] ?? 0) << 8) | (random[9] ?? 0);
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++; // the counter wrapped: borrow the next millisecond
  }
  return uuidv7({ msecs: lastMs, seq, random });
}

/**
 * A short form for display. A UUIDv7 starts with its timestamp (ids of the same minute share
 * their first 8 characters), so the short form is the random tail.
 */
export function shortId(id: string | null | undefined): string {
  if (!id) return "—";
  return id.length > 12 ? id.slice(-8) : id;
}
