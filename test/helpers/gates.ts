import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** Open every gate made so far, so no gated invocation a failed test left queued holds a slot of later tests. */
export function openAllGates(): void {
  for (const gate of made.splice(0)) if (!existsSync(gate)) writeFileSync(gate, "");
}

/**
 * Files for the `ledgered` fixture task: a gate (the task finishes once it exists) and a ledger
 * (one "<tag> start <pid>" line per execution, one "<tag> end <pid>" per finished execution).
 */
export function gateAndLedger(): { gate: string; ledger: string; open(): void; lines(): string[] } {
  const dir = mkdtempSync(join(tmpdir(), "nenc-drain-"));
  const gate = join(dir, "open");
  const ledger = join(dir, "ledger");
  made.push(gate);
  return {
    gate,
    ledger,
    open: () => writeFileSync(gate, ""),
    lines: () => (existsSync(ledger) ? readFileSync(ledger, "utf8").trim().split("\n").filter(Boolean) : []),
  };
}
