import type { BackendCapabilities } from "../../core/contract/index.js";
import { ComposedOrchestrator, NO_SESSIONS } from "../composed-orchestrator.js";
import { ORCHESTRATOR_TABLES } from "../sql-rows.js";
import { SQLiteConcurrency } from "./concurrency.js";
import type { SqliteDatabase } from "./database.js";
import { SQLiteInvocationStatus } from "./invocation-status.js";
import { SQLiteLeases } from "./leases.js";
import { SQLiteRetention } from "./retention.js";
import { SQLiteRunnerRegistry } from "./runner-registry.js";
import { SQLiteTriggerState } from "./trigger-state.js";
import { SQLiteWorkflows } from "./workflows.js";

export const SQLITE_CAPABILITIES: BackendCapabilities = {
  sharedAcrossProcesses: true,
  pushWakeups: true,
};

/** The SQLite orchestrator: its roles share one database handle and table prefix. */
export class SQLiteOrchestrator extends ComposedOrchestrator {
  readonly capabilities = SQLITE_CAPABILITIES;

  constructor(
    private readonly handle: SqliteDatabase,
    private readonly p: string,
  ) {
    handle.migrate(p);
    super({
      statuses: new SQLiteInvocationStatus(handle, p),
      concurrency: new SQLiteConcurrency(handle.db, p),
      retention: new SQLiteRetention(handle.db, p),
      runners: new SQLiteRunnerRegistry(handle.db, p),
      leases: new SQLiteLeases(handle.db, p),
      triggers: new SQLiteTriggerState(handle.db, p),
      workflows: new SQLiteWorkflows(handle, p),
      liveness: NO_SESSIONS, // one host: the recovery pass checks same-host processes itself
      changes: {
        waitForChange: (_ids, timeoutMs) => handle.waitForChange(timeoutMs),
        onSettled: () => null,
        // No announcements to vouch for: waiters read.
        noteFinals: () => {},
        heardFinal: () => null,
      },
    });
  }

  async init(): Promise<void> {}

  async purge(): Promise<void> {
    const db = this.handle.db;
    db.transaction(() => {
      for (const t of ORCHESTRATOR_TABLES) db.exec(`DELETE FROM ${this.p}${t}`);
    }).immediate();
  }

  async close(): Promise<void> {
    this.handle.release();
  }
}
