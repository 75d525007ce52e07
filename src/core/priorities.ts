/**
 * Broker priorities (higher is claimed first), in one table. Work that others wait on goes
 * first, so a runner whose slots are full of waiting parents cannot deadlock on their children.
 */
export const BROKER_PRIORITY = {
  /** A call from outside a task. */
  call: 0,
  /** Work handed back by a stopping runner or a lost worker, and work recovered from a dead runner. */
  returned: 1,
  /** A call made by a running task: its parent may be waiting on it. */
  subInvocation: 2,
} as const;
