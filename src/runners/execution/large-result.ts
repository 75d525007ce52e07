import type { NencConfig } from "../../config/schema.js";
import type { InvocationData, ValueStore } from "../../core/contract/index.js";
import { checkValueSize, externalize, isValueRef, resolveValue } from "../../core/large-values.js";
import type { OwnedInvocation } from "./hand-back.js";
import { type DecidedOutcome, errorOutcome } from "./outcome.js";

/** The invocation's data with its arguments read from the value store when they were large. */
export async function withResolvedArgs(
  store: ValueStore,
  data: InvocationData | undefined,
): Promise<InvocationData | undefined> {
  if (!data || !isValueRef(data.args)) return data;
  return { ...data, args: await resolveValue(store, data.args) };
}

/**
 * A success with a large result: the result goes to the value store and the outcome records its
 * reference. A result above `maxValueBytes` makes the invocation FAILED with ValueTooLargeError.
 */
export async function storeLargeResult(
  store: ValueStore,
  owned: OwnedInvocation,
  taskId: string,
  decided: DecidedOutcome,
  config: Pick<NencConfig, "largeValueBytes" | "maxValueBytes">,
): Promise<DecidedOutcome> {
  const outcome = decided.request.outcome;
  if (outcome?.kind !== "result") return decided;
  try {
    checkValueSize(outcome.value, config, `${taskId} result`);
  } catch (err) {
    return errorOutcome(owned, err, null);
  }
  const { text, value } = externalize(outcome.value, owned.id, config);
  if (!value) return decided;
  await store.putValues([value]);
  return { ...decided, request: { ...decided.request, outcome: { kind: "result", value: text } } };
}
