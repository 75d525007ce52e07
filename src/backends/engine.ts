import type { NencConfig } from "../config/schema.js";
import type {
  AtomicClaimer,
  AtomicRegistrar,
  Broker,
  Components,
  Orchestrator,
  StateBackend,
} from "../core/contract/index.js";

/** What each backend folder's index.ts exports: one factory per component. */
export interface EngineModule {
  createOrchestrator(config: NencConfig): Promise<Orchestrator>;
  createBroker(config: NencConfig): Promise<Broker>;
  createStateBackend(config: NencConfig): Promise<StateBackend>;
  /** The engine's one-step registration, when all three components are its own (see AtomicRegistrar). */
  registrar?(components: Components): AtomicRegistrar | undefined;
  /** The engine's one-step claim and start, when all three components are its own (see AtomicClaimer). */
  claimer?(components: Components): AtomicClaimer | undefined;
}
