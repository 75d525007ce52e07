/**
 * An execution's AbortController, made when its signal is first read: most tasks never read
 * `ctx.signal`, and an AbortController per job was 8 µs of a runner's CPU per one-job call (its
 * CPU profile: more than the claim's own JavaScript). An abort before the signal is read is kept
 * and given to the signal when it is made, so a task reading it late sees it aborted.
 */
export class LazyAbort {
  private controller: AbortController | null = null;
  private reason: unknown;
  private done = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.done) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.done;
  }

  abort(reason: unknown): void {
    if (this.done) return;
    this.done = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
