import type { ComponentLifecycle } from "./orchestrator.js";
import type { InvocationDataFilter, NewInvocation } from "./records.js";

export interface InvocationData extends NewInvocation {}

export interface LogRecord {
  invocationId: string | null;
  runnerId: string | null;
  taskId: string | null;
  level: string;
  message: string;
  at: number;
}

export interface StateBackend extends ComponentLifecycle {
  saveInvocations(invocations: readonly InvocationData[]): Promise<void>;
  /** Missing ids are absent from the map. A row that cannot be decoded throws CorruptRecordError. */
  getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>>;
  /** Invocation data by parent, workflow, task or creation time; newest first. */
  findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]>;
  /** Delete the data and the log lines of these invocations (retention); unknown ids are ignored. */
  deleteInvocations(ids: readonly string[]): Promise<void>;
  appendLogs(records: readonly LogRecord[]): Promise<void>;
  logs(invocationId: string, limit?: number): Promise<LogRecord[]>;
}
