import type { NencConfig } from "../config/schema.js";
import type { Broker, Orchestrator, StateBackend } from "../core/contract/index.js";

/** What each backend folder's index.ts exports: one factory per component. */
export interface EngineModule {
  createOrchestrator(config: NencConfig): Promise<Orchestrator>;
  createBroker(config: NencConfig): Promise<Broker>;
  createStateBackend(config: NencConfig): Promise<StateBackend>;
}
