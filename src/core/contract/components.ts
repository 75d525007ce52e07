import type { Broker } from "./broker.js";
import type { Orchestrator } from "./orchestrator.js";
import type { StateBackend } from "./state-backend.js";

export interface Components {
  orchestrator: Orchestrator;
  broker: Broker;
  stateBackend: StateBackend;
}
