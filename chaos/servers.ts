import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { reachable } from "../test/helpers/servers.js";

/** Exactly the command CI starts Redis with (.ci/run). */
export const REDIS_STANDARD_START = [
  "--daemonize",
  "yes",
  "--bind",
  "127.0.0.1",
  "-::1",
  "--port",
  "6379",
  "--save",
  "",
  "--appendonly",
  "no",
  "--dir",
  "/var/lib/redis",
  "--logfile",
  "/var/log/redis/ci.log",
];
export const REDIS_SNAPSHOT = "/var/lib/redis/dump.rdb";

/** Stop or start this machine's PostgreSQL cluster (the command .ci/run starts it with). */
export function pgctl(action: "start" | "stop"): void {
  const version = readdirSync("/etc/postgresql")[0] ?? "15";
  execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", action], { stdio: "pipe" });
}

async function until(port: number, up: boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await reachable(port, "127.0.0.1", 500)) !== up) {
    if (Date.now() > end) throw new Error(`port ${port} did not go ${up ? "up" : "down"} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Restart the engine's server, keeping its data (PostgreSQL: stop and start the cluster; Redis:
 * SHUTDOWN SAVE, the standard start, which loads the snapshot, then the snapshot removed so a
 * later restart cannot resurrect data). Resolves with how long it was down, in ms.
 */
export async function restartServer(backend: "redis" | "postgres"): Promise<number> {
  const t0 = Date.now();
  if (backend === "postgres") {
    pgctl("stop");
    await until(5432, false, 20_000);
    pgctl("start");
    await until(5432, true, 30_000);
    return Date.now() - t0;
  }
  const hadSnapshot = existsSync(REDIS_SNAPSHOT);
  spawnSync("redis-cli", ["-p", "6379", "shutdown", "save"], { stdio: "ignore" });
  await until(6379, false, 10_000);
  execFileSync("redis-server", REDIS_STANDARD_START, { stdio: "ignore" });
  await until(6379, true, 15_000);
  if (!hadSnapshot) rmSync(REDIS_SNAPSHOT, { force: true });
  return Date.now() - t0;
}
