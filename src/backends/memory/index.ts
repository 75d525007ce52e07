import type { EngineModule } from "../engine.js";
import { MemBroker } from "./broker.js";
import { MemOrchestrator } from "./orchestrator.js";
import { MemStateBackend } from "./state-backend.js";
import { memoryStore } from "./store.js";

export const engine: EngineModule = {
  createOrchestrator: async (c) => new MemOrchestrator(memoryStore(c.appId)),
  createBroker: async (c) => new MemBroker(memoryStore(c.appId)),
  createStateBackend: async (c) => new MemStateBackend(memoryStore(c.appId)),
};
