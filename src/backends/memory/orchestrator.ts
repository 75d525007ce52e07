import type { BackendCapabilities } from "../../core/contract/index.js";
import { ComposedOrchestrator, NO_SESSIONS } from "../composed-orchestrator.js";
import { MemConcurrency } from "./concurrency.js";
import { MemInvocationStatus } from "./invocation-status.js";
import { MemLeases } from "./leases.js";
import { MemRetention } from "./retention.js";
import { MemRunnerRegistry } from "./runner-registry.js";
import { type MemoryStore, waitForEvent } from "./store.js";
import { MemTriggerState } from "./trigger-state.js";
import { MemWorkflows } from "./workflows.js";

export const MEMORY_CAPABILITIES: BackendCapabilities = {
  sharedAcrossProcesses: false,
  pushWakeups: true,
};

/** Orchestrator for one process (tests, scripts). Same rules as every engine. */
export class MemOrchestrator extends ComposedOrchestrator {
  readonly capabilities = MEMORY_CAPABILITIES;

  constructor(private readonly store: MemoryStore) {
    super({
      statuses: new MemInvocationStatus(store),
      concurrency: new MemConcurrency(store),
      retention: new MemRetention(store),
      runners: new MemRunnerRegistry(store),
      leases: new MemLeases(store),
      triggers: new MemTriggerState(store),
      workflows: new MemWorkflows(store),
      liveness: NO_SESSIONS,
      changes: {
        waitForChange: (_ids, timeoutMs) => waitForEvent(store.events, "change", timeoutMs),
        onSettled: () => null,
        // No announcements to vouch for: waiters read.
        noteFinals: () => {},
        heardFinal: () => null,
      },
    });
  }

  async init(): Promise<void> {}

  async purge(): Promise<void> {
    this.store.clear();
  }

  async close(): Promise<void> {}
}
