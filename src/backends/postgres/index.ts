import type { EngineModule } from "../engine.js";
import { PostgresBroker } from "./broker.js";
import { PostgresClaimer } from "./claimer.js";
import { PostgresOrchestrator } from "./orchestrator.js";
import { PostgresHandle } from "./pool.js";
import { PostgresRegistrar } from "./registrar.js";
import { PostgresStateBackend } from "./state-backend.js";

/** The three components share one pool and one LISTEN connection per app per process. */
export const engine: EngineModule = {
  createOrchestrator: async (c) => new PostgresOrchestrator(PostgresHandle.acquire(c)),
  createBroker: async (c) => new PostgresBroker(PostgresHandle.acquire(c)),
  createStateBackend: async (c) => new PostgresStateBackend(PostgresHandle.acquire(c)),
  registrar: ({ broker, stateBackend }) =>
    broker instanceof PostgresBroker && stateBackend instanceof PostgresStateBackend && broker.h === stateBackend.h
      ? new PostgresRegistrar(stateBackend.h)
      : undefined,
  claimer: ({ orchestrator, broker, stateBackend }) =>
    orchestrator instanceof PostgresOrchestrator &&
    broker instanceof PostgresBroker &&
    stateBackend instanceof PostgresStateBackend &&
    orchestrator.h === broker.h &&
    broker.h === stateBackend.h
      ? new PostgresClaimer(stateBackend.h, orchestrator)
      : undefined,
};
