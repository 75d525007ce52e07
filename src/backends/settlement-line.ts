import type { Outcome, Settlement } from "../core/contract/index.js";
import { isFinal, isStatus } from "../core/status.js";

/**
 * One announced settlement, `id \t status \t kind \t value` (Redis change messages, the
 * PostgreSQL settled NOTIFY): null when it does not decode, and its waiter reads instead.
 */
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
