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

/** A large argument list or result, stored once under its content hash for an invocation. */
export interface StoredValue {
  /** "sha256:<hex>" of `data`. */
  hash: string;
  data: string;
  /** The invocation referencing it (a value lives while one invocation references it). */
  invocationId: string;
}

/**
 * Large values (pynenc's client data store): stored once under their content hash, referenced
 * by invocations; `deleteInvocations` drops the references and the values left unreferenced.
 */
export interface ValueStore {
  /** Store each value once (an identical value is not stored again) and record its reference. */
  putValues(values: readonly StoredValue[]): Promise<void>;
  /** Values by hash; unknown hashes are absent from the map. */
  getValues(hashes: readonly string[]): Promise<Map<string, string>>;
}

export interface StateBackend extends ComponentLifecycle, ValueStore {
  saveInvocations(invocations: readonly InvocationData[]): Promise<void>;
  /** Missing ids are absent from the map. A row that cannot be decoded throws CorruptRecordError. */
  getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>>;
  /** Invocation data by parent, workflow, task or creation time; newest first. */
  findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]>;
  /**
   * Delete the data, the log lines and the value references of these invocations, and the
   * values no invocation references any more (retention); unknown ids are ignored.
   */
  deleteInvocations(ids: readonly string[]): Promise<void>;
  appendLogs(records: readonly LogRecord[]): Promise<void>;
  logs(invocationId: string, limit?: number): Promise<LogRecord[]>;
}
