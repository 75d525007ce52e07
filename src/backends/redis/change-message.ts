import type { Settlement } from "../../core/contract/index.js";
import { mayBeFinal } from "../../core/status.js";
import { parseSettlements } from "../settlement-line.js";
import { decodeOutcome } from "./codec.js";

/**
 * The change channel's messages (transitions.lua, register.lua, register-route.lua): one line
 * per changed invocation, `id \t status` (its new status), or for an invocation made final with
 * a small outcome `id \t status \t kind \t value` (values are JSON or a large-value reference:
 * no raw tab or newline). A line of an id alone (from an earlier version) says nothing of the
 * status.
 *
 * Whether a message tells of a change of one of `want` (null: of any invocation); with
 * `finalOnly`, of one that may have made it final: a line naming a status that is not final
 * does not count, a bare id does.
 */
export function concernsWaiter(message: string, want: ReadonlySet<string> | null, finalOnly: boolean): boolean {
  for (const line of message.split("\n")) {
    const cut = line.indexOf("\t");
    if (want && !want.has(cut < 0 ? line : line.slice(0, cut))) continue;
    if (!finalOnly || cut < 0) return true;
    const end = line.indexOf("\t", cut + 1);
    if (mayBeFinal(line.slice(cut + 1, end < 0 ? undefined : end))) return true;
  }
  return false;
}

/** The settlements a change message announces; a line that does not decode is left to the waiters' reads. */
export function settlements(message: string): Settlement[] {
  return parseSettlements(message, decodeOutcome);
}
