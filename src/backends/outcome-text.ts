import type { Outcome } from "../core/contract/index.js";

/** An outcome's stored text in every engine: a result as encoded, an error as its JSON. */
export function outcomeText(outcome: Outcome): string {
  return outcome.kind === "result" ? outcome.value : JSON.stringify(outcome.error);
}
