export { type AppTaskOptions, Nenc, type NencOptions, type WorkflowOptions } from "./app.js";
export { createComponents } from "./backends/registry.js";
export { describeConfig, type ResolvedConfig, resolveConfig } from "./config/resolve.js";
export { CONFIG_KEYS, type ConfigKey, type NencConfig, type NencConfigInput } from "./config/schema.js";
export { CONCURRENCY_MODES, type ConcurrencyMode } from "./core/concurrency.js";
export type { ResolvedConcurrencyOptions } from "./core/concurrency-options.js";
export { currentContext, type TaskContext } from "./core/context.js";
export type * from "./core/contract/index.js";
export type { FindInvocationsQuery } from "./core/find-query.js";
export { Invocation, type ResultOptions } from "./core/invocation.js";
export { type GroupResult, InvocationGroup } from "./core/invocation-group.js";
export type { Logger } from "./core/logger.js";
export {
  canTransition,
  FINAL_STATUSES,
  isFinal,
  SLOT_HOLDING_STATUSES,
  STATUS_TABLE,
  STATUSES,
  type Status,
  type StatusSpec,
} from "./core/status.js";
export { renderStatusSvg, renderStatusTable, renderStatusText } from "./core/status-diagram.js";
export type { ErrorClass, ResolvedTaskOptions, Task, TaskOptions } from "./core/task.js";
export * from "./errors/index.js";
export { createMonitorApp, type MonitorOptions, type RunningMonitor, startMonitor } from "./monitor/server.js";
export {
  AsyncRunner,
  createRunner,
  MultiThreadRunner,
  PersistentProcessRunner,
  ProcessRunner,
  type Runner,
  type RunnerOptions,
  ThreadRunner,
} from "./runners/index.js";
export {
  type ConditionInput,
  cron,
  onError,
  onEvent,
  onResult,
  onStatus,
  type SourceInvocation,
  type TriggerCondition,
  type TriggerDefinition,
  type TriggerOption,
} from "./triggers/conditions.js";
export { NencEvent } from "./triggers/event.js";
export { triggeredInvocationId } from "./triggers/firing.js";
export { WorkflowContext } from "./workflows/context.js";
export type { Workflow, WorkflowData, WorkflowFunction } from "./workflows/definition.js";
