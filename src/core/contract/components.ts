import type { Broker, RouteRequest } from "./broker.js";
import type { Orchestrator } from "./orchestrator.js";
import type { InvocationData, StateBackend } from "./state-backend.js";

export interface Components {
  orchestrator: Orchestrator;
  broker: Broker;
  stateBackend: StateBackend;
  /** Present when the three components share one store (same engine): see AtomicRegistrar. */
  registrar?: AtomicRegistrar | undefined;
}

/**
 * Engines whose three components share one store record new invocations (data, REGISTERED
 * status with its history row) and route them in one atomic step and one round trip, instead
 * of three writes. Only for invocations without concurrency scopes; ids already recorded are
 * left alone and not routed again.
 */
export interface AtomicRegistrar {
  registerAndRoute(invocations: readonly InvocationData[], routes: readonly RouteRequest[]): Promise<void>;
}
