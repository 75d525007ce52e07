import type { BenchContext, BenchSystem, WorkerLauncher } from "./types.js";

/** A peer adapter (bench/peers/<name>.mjs): its system object, and its worker run as `<file> worker <ctx> <n> [fast]`. */
export async function loadPeer(file: string): Promise<BenchSystem & WorkerLauncher> {
  const { system } = (await import(file)) as { system: BenchSystem };
  return Object.assign(system, {
    command(ctx: BenchContext, concurrency: number, fast: boolean) {
      return { args: [file, "worker", JSON.stringify(ctx), String(concurrency), fast ? "fast" : ""], env: {} };
    },
    async ready(_ctx: BenchContext, _pid: number, stdout: () => string) {
      while (!stdout().includes("worker ready")) await new Promise((r) => setTimeout(r, 20));
    },
  });
}
