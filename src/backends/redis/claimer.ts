import { randomUUID } from "node:crypto";
import type { AtomicClaimer, ClaimedStart, InvocationData } from "../../core/contract/index.js";
import type { Status } from "../../core/status.js";
import { CorruptRecordError } from "../../errors/index.js";
import { decodeInvocationData } from "./codec.js";
import type { RedisConnection } from "./connection.js";
import { type TransitionReply, transitionResults } from "./invocation-status.js";
import { scripts } from "./scripts.js";

interface ClaimStartReply extends TransitionReply {
  ids?: string[] | Record<string, never>;
  data?: Record<string, string>;
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
    const reply = (await scripts().claimStart.json(this.conn.cmd, [
      keys.broker,
      Math.floor(max),
      randomUUID(),
      JSON.stringify(queues),
      keys.orchestrator,
      keys.state,
      runnerId,
      JSON.stringify(expectFrom),
    ])) as ClaimStartReply;
    const ids = Array.isArray(reply.ids) ? reply.ids.map(String) : [];
    if (ids.length === 0) return { ids, results: [], data };
    let results: ClaimedStart["results"];
    try {
      results = transitionResults(ids, reply);
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      return { ids, results: null, data };
    }
    for (const [id, raw] of Object.entries(reply.data ?? {})) {
      try {
        data.set(id, decodeInvocationData(id, raw));
      } catch {
        // Left out: the runner fails that invocation with the data read's error, as without a claimer.
      }
    }
    return { ids, results, data };
  }
}
