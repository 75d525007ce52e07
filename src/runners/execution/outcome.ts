import type { NencConfig } from "../../config/schema.js";
import type { TransitionRequest } from "../../core/contract/index.js";
import { encodeResult } from "../../core/serialization.js";
import type { ResolvedTaskOptions } from "../../core/task.js";
import { coerceError, RetryError, serializeError } from "../../errors/index.js";
import type { OwnedInvocation } from "./hand-back.js";

/** The transition that ends one execution, and when to route a retry again (null: no retry). */
export interface DecidedOutcome {
  request: TransitionRequest;
  retryAt: number | null;
  /** A suspended workflow's child: if it ended meanwhile, the workflow is routed at once. */
  waitingFor?: string | null | undefined;
}

function base(owned: OwnedInvocation) {
  return { id: owned.id, runnerId: owned.ownerId, token: owned.token };
}

/** Step 2, success: SUCCESS with the encoded result (a result that does not encode throws). */
export function successOutcome(owned: OwnedInvocation, taskId: string, value: unknown): DecidedOutcome {
  const outcome = { kind: "result" as const, value: encodeResult(value, `${taskId} result`) };
  return { request: { ...base(owned), to: "SUCCESS", outcome }, retryAt: null };
}

/** Step 2, a thrown error: RETRY (with backoff and jitter) when the retry policy allows it, else FAILED. */
export function errorOutcome(
  owned: OwnedInvocation,
  err: unknown,
  policy: { options: ResolvedTaskOptions; retries: number; config: NencConfig } | null,
): DecidedOutcome {
  if (policy) {
    const { options, retries, config } = policy;
    const retriable = err instanceof RetryError || options.retryFor.some((cls) => err instanceof cls);
    if (retriable && retries < options.maxRetries) {
      const delay = retryDelayMs(retries, config);
      const note = `retry ${retries + 1}/${options.maxRetries} in ${delay} ms: ${coerceError(err).message}`;
      return { request: { ...base(owned), to: "RETRY", countRetry: true, note }, retryAt: Date.now() + delay };
    }
  }
  const outcome = { kind: "error" as const, error: serializeError(err) };
  return { request: { ...base(owned), to: "FAILED", outcome }, retryAt: null };
}

/** Step 2, a workflow suspended itself: WAITING (ownership released), routed again at its wake-up time. */
export function suspendOutcome(
  owned: OwnedInvocation,
  wakeAt: number,
  reason: string,
  waitingFor: string | null,
): DecidedOutcome {
  return { request: { ...base(owned), to: "WAITING", note: reason }, retryAt: wakeAt, waitingFor };
}

/** Full jitter over an exponential cap: retryBackoffMs * 2^retries, at most retryBackoffMaxMs. */
export function retryDelayMs(
  retries: number,
  config: Pick<NencConfig, "retryBackoffMs" | "retryBackoffMaxMs">,
): number {
  const cap = Math.min(config.retryBackoffMaxMs, config.retryBackoffMs * 2 ** retries);
  return Math.round(Math.random() * cap);
}
