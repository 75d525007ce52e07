import type { Outcome, Settlement } from "../core/contract/index.js";
import { isFinal, isStatus } from "../core/status.js";

/**
 * Announced settlements (ChangeFeed.onSettled): a line `id \t status \t kind \t value` per
 * invocation made final, lines joined by newlines. Written by Redis's transition script
 * (transitions.lua, on its change channel) and PostgreSQL's compare-and-set statement (its
 * settled NOTIFY); an outcome is announced only when it is at most this many bytes and holds no
 * raw tab or newline (stored values are JSON or a large-value reference, so they do not).
 */
export const ANNOUNCED_OUTCOME_MAX_BYTES = 4096;

/** The settlements of a message; a line that is not one (or does not decode) is left to the waiters' reads. */
export function parseSettlements(
  message: string,
  decode: (id: string, kind: string, value: string) => Outcome | null,
): Settlement[] {
  return message.split("\n").flatMap((line) => parseSettlement(line, decode) ?? []);
}

/** One line's settlement: a final status with an outcome that decodes; else null. */
export function parseSettlement(
  line: string,
  decode: (id: string, kind: string, value: string) => Outcome | null,
): Settlement | null {
  const [id, status, kind, ...value] = line.split("\t");
  if (id === undefined || status === undefined || !isStatus(status) || !isFinal(status) || kind === undefined)
    return null;
  try {
    const outcome = decode(id, kind, value.join("\t"));
    return outcome ? { id, status, outcome } : null;
  } catch {
    return null;
  }
}
