import type { TriggerState, TriggerStateStore } from "../../core/contract/index.js";
import { CorruptRecordError } from "../../errors/index.js";
import type { RedisConnection } from "./connection.js";
import { scripts } from "./scripts.js";

/** Trigger states as hashes { value, version }, compare-and-set by trigger-state.lua. */
export class RedisTriggerState implements TriggerStateStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  async getTriggerStates(keys: readonly string[]): Promise<Map<string, TriggerState>> {
    const out = new Map<string, TriggerState>();
    if (keys.length === 0) return out;
    const pipe = this.conn.cmd.pipeline();
    for (const k of keys) pipe.hmget(`${this.p}trigger:${k}`, "value", "version");
    const replies = (await pipe.exec()) ?? [];
    keys.forEach((k, n) => {
      const [err, reply] = replies[n] ?? [null, null];
      if (err) throw err;
      const [value, version] = (reply as (string | null)[] | null) ?? [null, null];
      if (value === null || value === undefined) return;
      const v = Number(version);
      if (!Number.isInteger(v) || v < 1) {
        throw new CorruptRecordError(`Trigger state ${k} in Redis has version ${String(version)}; it was left as is.`);
      }
      out.set(k, { value, version: v });
    });
    return out;
  }

  async setTriggerState(key: string, value: string, expectVersion: number): Promise<boolean> {
    return (await scripts().triggerState.run(this.conn.cmd, [this.p, key, value, expectVersion])) === 1;
  }

  async backendNow(): Promise<number> {
    const [seconds, micros] = await this.conn.cmd.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
