import type { BackendCapabilities } from "../../core/contract/index.js";
import { mayBeFinal } from "../../core/status.js";
import { ComposedOrchestrator } from "../composed-orchestrator.js";
import { parseSettlements } from "../settlement-line.js";
import { ORCHESTRATOR_TABLES, toOutcome } from "../sql-rows.js";
import { PostgresConcurrency } from "./concurrency.js";
import { PostgresInvocationStatus } from "./invocation-status.js";
import { PostgresLeases } from "./leases.js";
import { PostgresLiveness } from "./liveness.js";
import type { PostgresHandle } from "./pool.js";
import { PostgresRetention } from "./retention.js";
import { PostgresRunnerRegistry } from "./runner-registry.js";
import { PostgresTriggerState } from "./trigger-state.js";
import { PostgresWorkflows } from "./workflows.js";

export const POSTGRES_CAPABILITIES: BackendCapabilities = {
  sharedAcrossProcesses: true,
  pushWakeups: true,
};

/**
 * The PostgreSQL orchestrator: its roles share one pool handle and schema; waiters LISTEN, and
 * the completions announce final statuses with their outcomes (cas-statement.ts), so callers need not read them.
 */
export class PostgresOrchestrator extends ComposedOrchestrator {
  readonly capabilities = POSTGRES_CAPABILITIES;

  constructor(readonly h: PostgresHandle) {
    super({
      statuses: new PostgresInvocationStatus(h),
      concurrency: new PostgresConcurrency(h),
      retention: new PostgresRetention(h),
      runners: new PostgresRunnerRegistry(h),
      leases: new PostgresLeases(h),
      triggers: new PostgresTriggerState(h),
      workflows: new PostgresWorkflows(h),
      liveness: new PostgresLiveness(h),
      changes: {
        // A change notification names the statuses its statement wrote (migration 0012).
        waitForChange: (_ids, timeoutMs, opts) =>
          h.wait("change", timeoutMs, opts?.finalOnly ? namesMaybeFinal : undefined),
        onSettled: (listener) =>
          h.onSettledPayload((payload) => {
            for (const s of parseSettlements(payload, (id, kind, value) => toOutcome(id, { kind, value }))) listener(s);
          }),
        // A final status with a large outcome is announced without its id (the change
        // notification names statuses only): there is no vouching that nothing was missed.
        noteFinals: () => {},
        heardFinal: () => null,
      },
    });
  }

  init(): Promise<void> {
    return this.h.init();
  }

  async purge(): Promise<void> {
    await this.h.tx("purge", async (q) => {
      for (const t of ORCHESTRATOR_TABLES) await q.query(`DELETE FROM ${this.h.s}.${t}`);
    });
  }

  close(): Promise<void> {
    return this.h.release();
  }
}

/** Whether a change payload (statuses, comma-separated) names one that is final, or one this code does not know. */
function namesMaybeFinal(payload: string): boolean {
  return payload !== "" && payload.split(",").some(mayBeFinal);
}
