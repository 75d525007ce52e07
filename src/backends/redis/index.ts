import type { EngineModule } from "../engine.js";
import { RedisBroker } from "./broker.js";
import { RedisClaimer } from "./claimer.js";
import { RedisConnection } from "./connection.js";
import { RedisOrchestrator } from "./orchestrator.js";
import { RedisRegistrar } from "./registrar.js";
import { RedisStateBackend } from "./state-backend.js";

/**
 * The three components of an app share one pair of Redis clients per process
 * (reference-counted); `init()` connects and fails with a BackendError naming the URL
 * (password redacted) when Redis does not answer.
 */
export const engine: EngineModule = {
  createOrchestrator: async (c) => new RedisOrchestrator(RedisConnection.acquire(c), c),
  createBroker: async (c) => new RedisBroker(RedisConnection.acquire(c)),
  createStateBackend: async (c) => new RedisStateBackend(RedisConnection.acquire(c)),
  registrar: ({ broker, stateBackend }) =>
    broker instanceof RedisBroker && stateBackend instanceof RedisStateBackend && broker.conn === stateBackend.conn
      ? new RedisRegistrar(stateBackend.conn)
      : undefined,
  claimer: ({ orchestrator, broker, stateBackend }) =>
    orchestrator instanceof RedisOrchestrator &&
    broker instanceof RedisBroker &&
    stateBackend instanceof RedisStateBackend &&
    orchestrator.conn === broker.conn &&
    broker.conn === stateBackend.conn
      ? new RedisClaimer(stateBackend.conn)
      : undefined,
};

export { RedisBroker, RedisOrchestrator, RedisStateBackend };
