import type { StatusRecord, TransitionRequest, TransitionResult } from "./contract/index.js";
import type { Status } from "./status.js";

/**
 * The follow-up of a request with `andThen` (see TransitionRequest.andThen), once its first
 * transition landed in the status it asked for; null when there is none to apply.
 */
export function followUpOf(req: TransitionRequest, first: TransitionResult): TransitionRequest | null {
  if (!req.andThen || !first.ok || first.to !== req.to) return null;
  return { id: req.id, to: req.andThen, runnerId: req.runnerId, token: first.token, note: req.note };
}

/** The result a request with `andThen` reports: the follow-up's when it landed (from the first `from`), else the first's. */
export function chainedResult(first: TransitionResult, second: TransitionResult | null): TransitionResult {
  if (!first.ok || !second?.ok) return first;
  const woken = [...(first.woken ?? []), ...(second.woken ?? [])];
  return { ...second, from: first.from, ...(woken.length > 0 ? { woken } : {}) };
}

/** Apply one request and its follow-up with a synchronous single-transition step (inside the caller's atomic step). */
export function applyChained(
  req: TransitionRequest,
  apply: (r: TransitionRequest) => TransitionResult,
): TransitionResult {
  const first = apply(req);
  const next = followUpOf(req, first);
  return chainedResult(first, next ? apply(next) : null);
}

/** The result of a transition that landed: the record as written, moved from `from`. */
export function landed(from: Status, rec: StatusRecord): TransitionResult {
  const { id, status, token, ownerId, retries, attempts } = rec;
  return { ok: true, id, from, to: status, token, ownerId, retries, attempts };
}
