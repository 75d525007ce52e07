import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const KINDS = ["AsyncRunner", "ThreadRunner", "PersistentProcessRunner", "MultiThreadRunner"] as const;

export interface FleetRunner {
  proc: ChildProcess;
  pid: number;
  kind: string;
  startedAt: number;
  /** Disruptions it suffered: its executions may legitimately be repeated elsewhere. */
  disrupted: string[];
  exited: boolean;
  rssStartKb: number | null;
}

/** Resident set of a process and its children, in KiB (Linux /proc); null elsewhere. */
export function rssKb(pid: number): number | null {
  try {
    const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return own + descendants(pid).reduce((n, c) => n + (rssKb(c) ?? 0), 0);
  } catch {
    return null;
  }
}

export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(name), ...descendants(Number(name)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Runner processes of mixed kinds, started with `nenc runner start` and the chaos app. */
export class Fleet {
  readonly runners: FleetRunner[] = [];
  private next = 0;

  constructor(private readonly env: Record<string, string>) {}

  start(): FleetRunner {
    const kind = KINDS[this.next++ % KINDS.length] ?? "AsyncRunner";
    const proc = spawn(
      process.execPath,
      [
        join(ROOT, "bin/nenc.js"),
        "runner",
        "start",
        "--app",
        join(ROOT, "chaos/app.ts"),
        "--runner",
        kind,
        "--concurrency",
        "2",
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.env, NENC__LOG_LEVEL: "error" },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    const r: FleetRunner = {
      proc,
      pid: proc.pid ?? -1,
      kind,
      startedAt: Date.now(),
      disrupted: [],
      exited: false,
      rssStartKb: null,
    };
    proc.on("exit", () => {
      r.exited = true;
    });
    setTimeout(() => {
      r.rssStartKb = rssKb(r.pid);
    }, 3000).unref();
    this.runners.push(r);
    return r;
  }

  live(): FleetRunner[] {
    return this.runners.filter((r) => !r.exited);
  }

  /** SIGKILL every runner still up (and continue a stopped one first); returns the pids of all their descendants. */
  async killAll(): Promise<number[]> {
    const live = this.live();
    const children = live.flatMap((r) => descendants(r.pid));
    for (const r of live) {
      r.proc.kill("SIGCONT");
      r.proc.kill("SIGKILL");
    }
    await Promise.all(live.map((r) => new Promise((res) => (r.exited ? res(null) : r.proc.once("exit", res)))));
    return children;
  }
}
