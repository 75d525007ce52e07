import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
export const NENC_BIN = join(ROOT, "bin/nenc.js");
export const FIXTURE_APP = join(ROOT, "test/fixtures/app.ts");

export interface RunnerProcess {
  proc: ChildProcess;
  pid: number;
  /** Everything written so far (stdout + stderr). */
  output(): string;
  /** Resolve when the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** Start `nenc runner start` as a real process. */
export function spawnRunner(opts: {
  env: Record<string, string>;
  app?: string;
  runner?: string;
  concurrency?: number;
}): RunnerProcess {
  const args = [NENC_BIN, "runner", "start", "--app", opts.app ?? FIXTURE_APP];
  if (opts.runner) args.push("--runner", opts.runner);
  if (opts.concurrency) args.push("--concurrency", String(opts.concurrency));
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env, NENC__LOG_FORMAT: "text" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in runner output:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/** Kill every runner a test left behind (SIGCONT first, in case it was stopped). Returns how many. */
export async function killAllRunners(): Promise<number> {
  const procs = [...live];
  for (const p of procs) {
    p.kill("SIGCONT");
    p.kill("SIGKILL");
  }
  await Promise.all(
    procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once("exit", r)))),
  );
  return procs.length;
}

export async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
