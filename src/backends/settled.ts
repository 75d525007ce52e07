import type { InvocationStatusStore, Outcome, SettledRecord, StatusRecord } from "../core/contract/index.js";
import { isFinal } from "../core/status.js";

/** A decoded outcome, or the error decoding it threw (it fails its own caller only). */
export function outcomeOrError(decode: () => Outcome | null): Outcome | null | Error {
  try {
    return decode();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** A record with its outcome when it is final; `outcome` is only called for final records. */
export function settled(record: StatusRecord, outcome: () => Outcome | null): SettledRecord {
  return isFinal(record.status) ? { record, outcome: outcomeOrError(outcome) } : { record };
}

/**
 * getSettled for engines whose reads are in-process (memory, SQLite): the statuses, then each
 * final one's outcome. Server engines answer in one round trip instead.
 */
export async function readSettled(
  store: Pick<InvocationStatusStore, "getStatuses" | "getOutcome">,
  ids: readonly string[],
): Promise<Map<string, SettledRecord>> {
  const out = new Map<string, SettledRecord>();
  for (const [id, record] of await store.getStatuses(ids)) {
    if (!isFinal(record.status)) out.set(id, { record });
    else out.set(id, { record, outcome: await store.getOutcome(id).catch((err: unknown) => toError(err)) });
  }
  return out;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
