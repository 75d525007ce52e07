import { randomUUID } from "node:crypto";
import type { AtomicClaimer, ClaimedStart, InvocationData } from "../../core/contract/index.js";
import type { Status } from "../../core/status.js";
import { BackendError, CorruptRecordError } from "../../errors/index.js";
import { decodeInvocationData } from "./codec.js";
import type { RedisConnection } from "./connection.js";
import { type TransitionReply, transitionResults } from "./invocation-status.js";
import { scripts } from "./scripts.js";

interface ClaimStartReply extends TransitionReply {
  ids?: string[] | Record<string, never>;
  /** When fewer than asked were taken: ms until work may be claimable (0 now, -1 none queued). */
  next?: number;
}

/**
 * Claim and start by one script (claim-start.lua: one round trip, atomic): the broker's
 * delivery, the claim transition of each id (transition.lua's rules) and the data of what
 * started. Before it, a claim took three round trips (claim, transition, data read).
 */
export class RedisClaimer implements AtomicClaimer {
  constructor(private readonly conn: RedisConnection) {}

  async claimAndStart(
    max: number,
    queues: readonly string[],
    runnerId: string,
    expectFrom: readonly Status[],
  ): Promise<ClaimedStart> {
    const data = new Map<string, InvocationData>();
    if (max <= 0) return { ids: [], results: [], data };
    const { keys } = this.conn;
    // Taken before the claim is sent: a route the claim does not see is announced after this.
    const mark = this.conn.mark(keys.workChannel);
    const raw = await scripts().claimStart.run(this.conn.cmd, [
      keys.broker,
      Math.floor(max),
      randomUUID(),
      JSON.stringify(queues),
      keys.orchestrator,
      keys.state,
      runnerId,
      JSON.stringify(expectFrom),
    ]);
    if (!Array.isArray(raw) || typeof raw[0] !== "string") {
      throw new BackendError(`Redis script claim-start returned ${typeof raw}, expected [json, id, data, ...].`);
    }
    const reply = JSON.parse(raw[0]) as ClaimStartReply;
    const ids = Array.isArray(reply.ids) ? reply.ids.map(String) : [];
    const next = mark !== null && typeof reply.next === "number" ? { inMs: reply.next, mark } : undefined;
    if (ids.length === 0) return { ids, results: [], data, next };
    let results: ClaimedStart["results"];
    try {
      results = transitionResults(ids, reply);
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      return { ids, results: null, data, next };
    }
    for (let i = 1; i + 1 < raw.length; i += 2) {
      const id = String(raw[i]);
      try {
        data.set(id, decodeInvocationData(id, String(raw[i + 1])));
      } catch {
        // Left out: the runner fails that invocation with the data read's error, as without a claimer.
      }
    }
    return { ids, results, data, next };
  }
}
