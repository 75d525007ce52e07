import type { NencConfig } from "../../config/schema.js";
import type { BackendCapabilities } from "../../core/contract/index.js";
import { ComposedOrchestrator } from "../composed-orchestrator.js";
import { FinalNotes } from "../final-notes.js";
import { concernsWaiter, settlements } from "./change-message.js";
import { decodeOutcome } from "./codec.js";
import { RedisConcurrency } from "./concurrency.js";
import type { RedisConnection } from "./connection.js";
import { RedisInvocationStatus } from "./invocation-status.js";
import { RedisLeases } from "./leases.js";
import { RedisLiveness } from "./liveness.js";
import { deleteByPrefix } from "./purge.js";
import { RedisRetention } from "./retention.js";
import { RedisRunnerRegistry } from "./runner-registry.js";
import { RedisTriggerState } from "./trigger-state.js";
import { RedisWorkflows } from "./workflows.js";

export const REDIS_CAPABILITIES: BackendCapabilities = {
  sharedAcrossProcesses: true,
  pushWakeups: true,
};

/**
 * Orchestrator on Redis: its roles share one connection and key prefix. Waiters block on a
 * pub/sub message the transition scripts publish.
 */
export class RedisOrchestrator extends ComposedOrchestrator {
  readonly capabilities = REDIS_CAPABILITIES;
  private readonly p: string;

  constructor(
    readonly conn: RedisConnection,
    config: NencConfig,
  ) {
    const p = conn.keys.orchestrator;
    const channel = conn.keys.changeChannel;
    const notes = new FinalNotes({
      mark: () => conn.mark(channel),
      heldSince: (mark) => conn.heldSince(channel, mark),
      listen: (hear) => conn.subscribe(channel, hear),
      decodeOutcome,
    });
    super({
      statuses: new RedisInvocationStatus(conn, p),
      concurrency: new RedisConcurrency(conn, p),
      retention: new RedisRetention(conn, p),
      runners: new RedisRunnerRegistry(conn, p),
      leases: new RedisLeases(conn, p),
      triggers: new RedisTriggerState(conn, p),
      workflows: new RedisWorkflows(conn, p),
      liveness: new RedisLiveness(conn, config.appId, config),
      changes: {
        waitForChange: (ids, timeoutMs, opts) => {
          const want = ids.length > 0 ? new Set(ids) : null;
          const finalOnly = opts?.finalOnly === true;
          if (!want && !finalOnly) return conn.waitFor(conn.keys.changeChannel, timeoutMs);
          return conn.waitFor(conn.keys.changeChannel, timeoutMs, (message) =>
            concernsWaiter(message, want, finalOnly),
          );
        },
        onSettled: (listener) =>
          conn.subscribe(conn.keys.changeChannel, (message) => {
            for (const s of settlements(message)) listener(s);
          }),
        noteFinals: (ids) => notes.note(ids),
        heardFinal: (id) => notes.heard(id),
      },
    });
    this.p = p;
  }

  private get cmd() {
    return this.conn.cmd;
  }

  init(): Promise<void> {
    return this.conn.ready();
  }

  async purge(): Promise<void> {
    await deleteByPrefix(this.cmd, this.p);
  }

  async close(): Promise<void> {
    await this.conn.release();
  }
}
