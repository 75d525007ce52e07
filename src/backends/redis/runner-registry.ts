import type { RunnerContext, RunnerRecord, RunnerRegistry } from "../../core/contract/index.js";
import { decodeRunner } from "./codec.js";
import type { RedisConnection } from "./connection.js";
import { values } from "./pipeline.js";
import { scripts } from "./scripts.js";

/** Runner contexts and heartbeats on Redis (runners.lua), stamped with the server's clock. */
export class RedisRunnerRegistry implements RunnerRegistry {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  private get cmd() {
    return this.conn.cmd;
  }

  async registerRunner(ctx: RunnerContext): Promise<void> {
    await scripts().runners.run(this.cmd, [this.p, "register", JSON.stringify(ctx)]);
  }

  async heartbeat(runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length) await scripts().runners.run(this.cmd, [this.p, "heartbeat", ...runnerIds]);
  }

  async markRunnersStopping(runnerIds: readonly string[], drainMs: number): Promise<void> {
    if (runnerIds.length)
      await scripts().runners.run(this.cmd, [this.p, "stopping", Math.max(0, Math.round(drainMs)), ...runnerIds]);
  }

  async markRunnersStopped(runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length) await scripts().runners.run(this.cmd, [this.p, "stop", ...runnerIds]);
  }

  async markRunnersDead(runnerIds: readonly string[], note: string): Promise<void> {
    if (runnerIds.length) await scripts().runners.run(this.cmd, [this.p, "dead-note", note, ...runnerIds]);
  }

  async runners(): Promise<RunnerRecord[]> {
    const ids = await this.cmd.zrange(`${this.p}runners`, "0", "-1");
    if (ids.length === 0) return [];
    const pipe = this.cmd.pipeline();
    for (const id of ids) pipe.hgetall(`${this.p}runner:${id}`);
    const rows = values<Record<string, string>>(await pipe.exec());
    return ids.flatMap((id, i) => {
      const h = rows[i];
      return h && Object.keys(h).length > 0 ? [decodeRunner(id, h)] : [];
    });
  }

  async deadRunners(olderThanMs: number): Promise<string[]> {
    const ids = await scripts().runners.run(this.cmd, [this.p, "dead", Math.max(0, Math.round(olderThanMs))]);
    return Array.isArray(ids) ? ids.map(String) : [];
  }
}
