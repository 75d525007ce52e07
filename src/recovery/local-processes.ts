import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;
/** A process that started this long after the runner recorded its start is another process (pid reuse). */
const START_SLACK_MS = 2000;

let bootTimeMs: number | null | undefined;

function bootTime(): number | null {
  if (bootTimeMs === undefined) {
    try {
      const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
      bootTimeMs = m ? Number(m[1]) * 1000 : null;
    } catch {
      bootTimeMs = null;
    }
  }
  return bootTimeMs;
}

/**
 * When the process `pid` started, in kernel clock ticks since boot (/proc/<pid>/stat field 22):
 * independent of wall clocks. Null where /proc is missing.
 */
export function processStartTicks(pid: number = process.pid): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** When the process `pid` started (ms since the epoch, by this host's clock now), from /proc. */
function processStartMs(pid: number): number | null {
  const boot = bootTime();
  const ticks = processStartTicks(pid);
  return boot === null || ticks === null ? null : boot + (ticks * 1000) / USER_HZ;
}

/**
 * Whether a runner's process still exists, for runners on this host (same host name): "gone"
 * when no process has its pid, or the process with that pid started after the runner did (the
 * pid was reused); "alive" otherwise; "unknown" for runners on other hosts (their session or
 * their heartbeat decides). Containers that share a host name but not a pid namespace must not
 * share a backend with this check: give them distinct host names (Docker does by default).
 */
export function localProcessState(
  r: { host: string; pid: number; startedAt: number; procStart?: number | null | undefined },
  thisHost: string = hostname(),
): "alive" | "gone" | "unknown" {
  if (r.host !== thisHost) return "unknown";
  try {
    process.kill(r.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return "gone";
    return "alive"; // EPERM: a process exists that we may not signal
  }
  // The runner recorded its process's start ticks: the pid is another process when they differ.
  if (r.procStart !== undefined && r.procStart !== null) {
    const ticks = processStartTicks(r.pid);
    return ticks !== null && ticks !== r.procStart ? "gone" : "alive";
  }
  // Recorded before proc_start existed: compare wall clocks (a clock jump can mislead this).
  const started = processStartMs(r.pid);
  return started !== null && started > r.startedAt + START_SLACK_MS ? "gone" : "alive";
}
