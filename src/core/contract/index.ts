/**
 * The contract every engine implements: the orchestrator (composed of small roles), the broker
 * and the state backend, and the records they exchange. It lives in the core layer; engines
 * (src/backends/<name>) implement it, and everything above depends on it, never on an engine.
 */
export type * from "./broker.js";
export type * from "./components.js";
export type * from "./orchestrator.js";
export type * from "./records.js";
export type * from "./state-backend.js";
