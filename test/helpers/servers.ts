import { createConnection } from "node:net";
import { describe, it } from "vitest";

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function reachable(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Whether tests needing `name` should run. On a laptop a missing server skips them (with the
 * reason printed); with CI=true a missing server is a failure, never a skip.
 */
export async function requireServer(name: "redis" | "postgres"): Promise<boolean> {
  const port = name === "redis" ? 6379 : 5432;
  if (await reachable(port)) return true;
  const why = `${name} is not answering on 127.0.0.1:${port}`;
  if (process.env.CI === "true")
    throw new Error(`${why}; with CI=true a missing server fails the run (start it, see .ci/run)`);
  console.warn(`skipping ${name} tests: ${why}`);
  return false;
}

const PORTS = { redis: 6379, postgres: 5432 } as const;

/**
 * Define the suites needing `name` when it answers; on a laptop without it, one skipped suite
 * titled with the reason (with CI=true a missing server fails the run: see requireServer).
 */
export async function forServer(name: "redis" | "postgres", title: string, define: () => void): Promise<void> {
  if (await requireServer(name)) {
    define();
    return;
  }
  // Reached only off CI (requireServer throws under CI=true): the title says why it is skipped.
  describe.skip(`${title} (skipped: ${name} is not answering on 127.0.0.1:${PORTS[name]})`, () => {
    it("needs a server", () => {});
  });
}
