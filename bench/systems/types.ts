/** What every benchmarked system offers the harness (nenc's adapters and the peers' .mjs files). */
export interface BenchContext {
  [key: string]: unknown;
}

export interface BenchSystem {
  name: string;
  engine: "sqlite" | "redis" | "postgres";
  version: string;
  /** The settings used, in words (docs/benchmarks.md). */
  settings: string;
  open(tag: string): Promise<BenchContext>;
  /** Register `n` jobs of `kind` ("noop" by default) in batches. */
  addBulk(ctx: BenchContext, n: number, kind?: string, data?: Record<string, unknown>): Promise<void>;
  /** Register one no-op job and wait until it is recorded. */
  addOne(ctx: BenchContext, i: number): Promise<void>;
  /** Jobs completed, counted in the system's own store. */
  countDone(ctx: BenchContext): Promise<number>;
  /** Jobs not yet final, when the system can tell cheaply (polled instead of countDone, which is then checked once). */
  remaining?(ctx: BenchContext): Promise<number>;
  /** One job, alone: ms from the call to its start and to the caller holding its result. */
  latencyOnce(ctx: BenchContext): Promise<{ toStart: number; toDone: number }>;
  close(ctx: BenchContext): Promise<void>;
}

/** How the harness starts a worker process of a system. */
export interface WorkerLauncher {
  command(ctx: BenchContext, concurrency: number, fast: boolean): { args: string[]; env: Record<string, string> };
  /** Resolves once the worker takes work. */
  ready(ctx: BenchContext, pid: number, stdout: () => string): Promise<void>;
}
