import type { Settlement } from "../../core/contract/index.js";
import { parseSettlements } from "../settlement-line.js";
import { decodeOutcome } from "./codec.js";

/**
 * The change channel's messages (transitions.lua, register.lua): one line per changed
 * invocation. A line is its id, or for an invocation made final with a small outcome
 * `id \t status \t kind \t value` (values are JSON or a large-value reference: no raw tab or
 * newline).
 */
export function changedIds(message: string): string[] {
  return message.split("\n").map((line) => line.split("\t", 1)[0] as string);
}

/** The settlements a change message announces; a line that does not decode is left to the waiters' reads. */
export function settlements(message: string): Settlement[] {
  return parseSettlements(message, decodeOutcome);
}
