import { createHash } from "node:crypto";
import { ConcurrencyControlledError, serializeError } from "../errors/index.js";
import type { ConcurrencyScopes, Outcome, ScopeUsage } from "./contract/index.js";
import { SLOT_HOLDING_STATUSES, type Status } from "./status.js";

/**
 * Concurrency control rules shared by every engine (pynenc's ConcurrencyControlType):
 * - DISABLED: no control.
 * - TASK: one scope per task.
 * - ARGUMENTS: one scope per task and exact arguments.
 * - KEYS: one scope per task and `concurrencyKey(...args)`.
 *
 * A scope is a string computed once, at registration, and stored with the invocation: engines
 * compare scopes, never arguments.
 */
export const CONCURRENCY_MODES = ["DISABLED", "TASK", "ARGUMENTS", "KEYS"] as const;
export type ConcurrencyMode = (typeof CONCURRENCY_MODES)[number];

export function isConcurrencyMode(value: unknown): value is ConcurrencyMode {
  return typeof value === "string" && (CONCURRENCY_MODES as readonly string[]).includes(value);
}

/** The scope of one invocation under `mode`, or null when the mode is DISABLED. */
export function scopeOf(mode: ConcurrencyMode, taskId: string, args: string, key: string | null): string | null {
  switch (mode) {
    case "DISABLED":
      return null;
    case "TASK":
      return `${taskId}`;
    case "ARGUMENTS":
      return `${taskId}#args:${createHash("sha256").update(args).digest("hex").slice(0, 32)}`;
    case "KEYS":
      return `${taskId}#key:${key ?? ""}`;
  }
}

/** No control (the scopes of an invocation registered without any). */
export const NO_SCOPES: ConcurrencyScopes = {
  registrationScope: null,
  runningScope: null,
  runningLimit: 0,
  rerouteWhenBlocked: false,
};

/** The status a claim (→ PENDING) is diverted to when its running scope is full. */
export function blockedStatus(scopes: ConcurrencyScopes): Status {
  return scopes.rerouteWhenBlocked ? "CONCURRENCY_CONTROLLED" : "CONCURRENCY_CONTROLLED_FINAL";
}

/** The history note of a diverted claim. */
export function blockedNote(scope: string, limit: number | string): string {
  return `running concurrency limit ${limit} reached for scope ${scope}`;
}

/** The outcome stored with CONCURRENCY_CONTROLLED_FINAL, so result() rejects with a clear error. */
export function controlledOutcome(id: string, scope: string, detail: string): Extract<Outcome, { kind: "error" }> {
  return { kind: "error", error: serializeError(new ConcurrencyControlledError(id, scope, detail)) };
}

/** The history note of a waiter woken (CONCURRENCY_CONTROLLED → REROUTED) by a freed slot. */
export function wokenNote(freedBy: string): string {
  return `a running-concurrency slot was freed by ${freedBy}`;
}

/** The history note of a duplicate registration (REGISTERED → CONCURRENCY_CONTROLLED_FINAL). */
export function duplicateNote(existingId: string): string {
  return `duplicate registration: the call got ${existingId}`;
}

/** One invocation of a running scope, as an engine reads it for `scopeUsage`. */
export interface ScopeMember {
  id: string;
  taskId: string;
  scope: string;
  limit: number;
  status: Status;
  /** The order a waiter began waiting (FIFO); anything for holders. */
  waitSeq: number;
}

/** Group holders and waiters by scope (waiters oldest first); other statuses are ignored. */
export function groupScopeUsage(members: readonly ScopeMember[]): ScopeUsage[] {
  const scopes = new Map<string, ScopeUsage>();
  for (const m of [...members].sort((a, b) => a.waitSeq - b.waitSeq)) {
    const holding = SLOT_HOLDING_STATUSES.includes(m.status);
    if (!holding && m.status !== "CONCURRENCY_CONTROLLED") continue;
    let u = scopes.get(m.scope);
    if (!u) {
      u = { scope: m.scope, taskId: m.taskId, limit: m.limit, holders: [], waiters: [] };
      scopes.set(m.scope, u);
    }
    (holding ? u.holders : u.waiters).push(m.id);
  }
  return [...scopes.values()];
}

/** The statuses `scopeUsage` reads: slot holders and waiters. */
export const SCOPE_MEMBER_STATUSES: readonly Status[] = [...SLOT_HOLDING_STATUSES, "CONCURRENCY_CONTROLLED"];
