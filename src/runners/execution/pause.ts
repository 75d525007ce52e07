import type { PauseController } from "../../core/context.js";
import type { TransitionRequest, TransitionResult } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import type { OwnedInvocation } from "./hand-back.js";

/**
 * The pause controller of one execution. The first wait for a sub-invocation's result moves
 * the invocation to PAUSED (owner and fencing token kept) and frees its slot; when the last
 * wait ends it moves to RESUMED before the task continues. Transitions are applied in call
 * order; a wait that ends before its pause was written records nothing.
 */
export class ExecutionPause implements PauseController {
  private waiting = 0;
  private paused = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      owned: OwnedInvocation;
      transition(req: TransitionRequest): Promise<TransitionResult>;
      onPause(): void;
      onResume(): void;
      logger: Logger;
    },
  ) {}

  waitStarted(): void {
    if (this.waiting++ === 0) this.chain = this.chain.then(() => this.set(true));
  }

  waitEnded(): Promise<void> {
    if (--this.waiting === 0) this.chain = this.chain.then(() => this.set(false));
    return this.chain;
  }

  private async set(pause: boolean): Promise<void> {
    // Skip a pause whose wait already ended, and a resume when a new wait already began.
    if (pause === this.paused || (pause ? this.waiting === 0 : this.waiting > 0)) return;
    const { owned } = this.deps;
    try {
      const r = await this.deps.transition({
        id: owned.id,
        to: pause ? "PAUSED" : "RESUMED",
        runnerId: owned.ownerId,
        token: owned.token,
        note: pause ? "waiting for a sub-invocation; slot released" : "awaited result ready",
      });
      if (!r.ok) {
        this.deps.logger.warn(
          { component: "runner", invocation: owned.id, reason: r.reason },
          `could not mark ${owned.id} ${pause ? "PAUSED" : "RESUMED"}: ${r.reason}`,
        );
      }
    } catch (err) {
      this.deps.logger.warn(
        { component: "runner", invocation: owned.id },
        `could not mark ${owned.id} ${pause ? "PAUSED" : "RESUMED"}: ${(err as Error).message}`,
      );
    }
    // The slot accounting follows the task, not the record: a failed write must not leak a slot.
    this.paused = pause;
    if (pause) this.deps.onPause();
    else this.deps.onResume();
  }
}
