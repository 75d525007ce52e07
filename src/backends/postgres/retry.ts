import type { Logger } from "../../core/logger.js";
import { BackendError, NencError } from "../../errors/index.js";

/** Socket-level failures of a connection that may come back. */
const TRANSIENT_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** SQLSTATEs worth retrying: lost connection, server shutting down or starting, lock conflicts. */
const TRANSIENT_SQLSTATES = new Set(["57P01", "57P02", "57P03", "40001", "40P01", "53300"]);

const TRANSIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|the database system is (starting up|shutting down|in recovery mode)/i;

/** True when the failure is a lost or refused connection (or a lock conflict) that a retry may get past. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || code.startsWith("08")) return true;
  }
  return TRANSIENT_MESSAGES.test(err.message);
}

/**
 * Runs `op` again while it fails with a transient error, with exponential backoff (100 ms to
 * 2 s), for at most `timeoutMs`. Logs the start and the end of an outage once each. Other
 * errors, and a transient one past the deadline, are thrown as BackendError naming `where`.
 */
export class RetryPolicy {
  private outageSince: number | null = null;

  constructor(
    private readonly timeoutMs: number,
    private readonly where: string,
    private readonly log: Logger,
  ) {}

  async run<T>(what: string, op: (attempt: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let delay = 100;
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await op(attempt);
        if (this.outageSince !== null) {
          this.log.info(
            { component: "postgres", downMs: Date.now() - this.outageSince },
            `PostgreSQL at ${this.where} is reachable again`,
          );
          this.outageSince = null;
        }
        return out;
      } catch (err) {
        if (err instanceof NencError) throw err;
        if (!isTransient(err) || Date.now() + delay > deadline) throw this.wrap(what, err);
        if (this.outageSince === null) {
          this.outageSince = Date.now();
          this.log.warn(
            { component: "postgres", err: (err as Error).message },
            `PostgreSQL at ${this.where} is unreachable (${what}); retrying with backoff for up to ${Math.round(this.timeoutMs / 1000)} s`,
          );
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  wrap(what: string, err: unknown): NencError {
    if (err instanceof NencError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new BackendError(`PostgreSQL at ${this.where} failed (${what}): ${message}`, { cause: err });
  }
}
