import { InvocationExecutor } from "../execution/executor.js";
import { Runner } from "./runner.js";

/** Many invocations on this process's event loop: for I/O-bound tasks. */
export class AsyncRunner extends Runner {
  readonly kind = "AsyncRunner";
  private executor!: InvocationExecutor;

  protected defaultConcurrency(): number {
    return 50;
  }

  protected async startWork(): Promise<void> {
    this.executor = new InvocationExecutor({
      tasks: this.options.app,
      components: this.components,
      config: this.config,
      context: this.context,
      slots: this.concurrency,
      logger: this.logger,
    });
    this.executor.start();
  }

  protected drainWork(deadlineMs: number, cutShort: AbortSignal): Promise<boolean> {
    return this.executor.drain(deadlineMs, cutShort);
  }

  protected async stopWork(reason: string): Promise<string[]> {
    await this.executor.stopAndHandBack(reason);
    return [];
  }
}
