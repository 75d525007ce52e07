import type { AtomicRegistrar, InvocationData, RouteRequest } from "../../core/contract/index.js";
import { routeEntry } from "./broker.js";
import type { RedisConnection } from "./connection.js";
import { scripts } from "./scripts.js";
import { invocationEntry } from "./state-backend.js";

/**
 * New invocations recorded and routed by one script (register-route.lua: one round trip,
 * atomic): their data, REGISTERED status and first history row, and their queue entries.
 */
export class RedisRegistrar implements AtomicRegistrar {
  constructor(private readonly conn: RedisConnection) {}

  async registerAndRoute(invocations: readonly InvocationData[], routes: readonly RouteRequest[]): Promise<void> {
    if (invocations.length === 0) return;
    const now = Date.now();
    const routeOf = new Map(routes.map((r) => [r.id, routeEntry(r, now)]));
    const list = invocations.map((i) => {
      const [, priority, delay, queue] = routeOf.get(i.id) ?? routeEntry({ id: i.id }, now);
      return [...invocationEntry(i), priority, delay, queue];
    });
    const { keys } = this.conn;
    await scripts().registerRoute.run(this.conn.cmd, [
      keys.state,
      keys.orchestrator,
      keys.broker,
      JSON.stringify(list),
    ]);
  }
}
