/**
 * Broker priorities (higher is claimed first), in one table. Work that others wait on goes
 * first, so a runner whose slots are full of waiting parents cannot deadlock on their children.
 *
 * A routed message's broker priority combines two things, the precedence class first and the
 * caller's priority (`priority` task option or `with({ priority })`) second:
 * `class * PRIORITY_CLASS_SPAN + userPriority`. A user priority only orders work within its
 * class, so a sub-invocation (its parent may be waiting) still goes before any new call.
 */
export const BROKER_PRIORITY = {
  /** A call from outside a task. */
  call: 0,
  /** Work handed back by a stopping runner or a lost worker, and work recovered from a dead runner. */
  returned: 1,
  /** A call made by a running task: its parent may be waiting on it. */
  subInvocation: 2,
} as const;

export type PrecedenceClass = keyof typeof BROKER_PRIORITY;

/** User priorities are integers in [-USER_PRIORITY_LIMIT, USER_PRIORITY_LIMIT]. */
export const USER_PRIORITY_LIMIT = 1000;
const PRIORITY_CLASS_SPAN = 2 * USER_PRIORITY_LIMIT + 1;

/** The broker priority of a message of `precedence` class with the caller's `userPriority`. */
export function brokerPriority(precedence: PrecedenceClass, userPriority = 0): number {
  return BROKER_PRIORITY[precedence] * PRIORITY_CLASS_SPAN + userPriority;
}

/** The queue of a call that names none. */
export const DEFAULT_QUEUE = "default";
