import type { Status } from "../status.js";
import type { Broker, NextWork, RouteRequest } from "./broker.js";
import type { Orchestrator } from "./orchestrator.js";
import type { TransitionResult } from "./records.js";
import type { InvocationData, StateBackend } from "./state-backend.js";

export interface Components {
  orchestrator: Orchestrator;
  broker: Broker;
  stateBackend: StateBackend;
  /** Present when the three components share one store (same engine): see AtomicRegistrar. */
  registrar?: AtomicRegistrar | undefined;
  /** Present when the engine can claim and start in one step: see AtomicClaimer. */
  claimer?: AtomicClaimer | undefined;
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

/**
 * Engines whose three components share one store may take ready work from the broker and apply
 * its claim transition (PENDING then RUNNING for `runnerId`, from one of `expectFrom`, with the
 * same rules, fencing and concurrency diversions as Orchestrator.transition) in one atomic step
 * and one round trip, reading the data of what started alongside.
 */
export interface AtomicClaimer {
  claimAndStart(
    max: number,
    queues: readonly string[],
    runnerId: string,
    expectFrom: readonly Status[],
  ): Promise<ClaimedStart>;
}

export interface ClaimedStart {
  /** The ids taken from the broker (each delivered once). */
  ids: string[];
  /**
   * The claim transition's result per id of `ids`; null when a claimed row could not be
   * decoded: no transition was applied, and the caller claims `ids` one by one.
   */
  results: TransitionResult[] | null;
  /** The data of the invocations now RUNNING (an unreadable data row is left out). */
  data: Map<string, InvocationData>;
  /**
   * When the claim took fewer than asked and the engine can tell: what it saw of the queues,
   * for Broker.waitForWork, which then need not look again.
   */
  next?: NextWork | undefined;
}
