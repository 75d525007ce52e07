/**
 * Thrown by a workflow execution to end it without an outcome: its runner records WAITING
 * (releasing the invocation and its slot) and routes it again at `wakeAt`; the child it waits
 * for, if any, routes it sooner when it ends. Internal control flow, never a task's error.
 */
export class SuspendExecution extends Error {
  constructor(
    /** When to run it again (ms since epoch). */
    readonly wakeAt: number,
    /** What it waits for, kept in the history note. */
    readonly reason: string,
    /** The child invocation it waits for (its end routes the workflow at once), if any. */
    readonly waitingFor: string | null = null,
  ) {
    super(`suspended: ${reason}`);
    this.name = "SuspendExecution";
  }
}
