import type { LeaseStore } from "../../core/contract/index.js";
import type { RedisConnection } from "./connection.js";
import { scripts } from "./scripts.js";

/** Named leases with an expiry (lease.lua, the server's clock). */
export class RedisLeases implements LeaseStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  private get cmd() {
    return this.conn.cmd;
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.round(ttlMs));
    return (await scripts().lease.run(this.cmd, [this.p, "acquire", name, holder, ttl])) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await scripts().lease.run(this.cmd, [this.p, "release", name, holder, 0]);
  }
}
