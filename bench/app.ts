import { appendFileSync } from "node:fs";
import { Nenc } from "../src/index.js";

/** The benchmark app; runner processes load it with `nenc runner start --app bench/app.ts`. */
export const app = new Nenc();

export const noop = app.task(async (_n: number) => null, { name: "noop" });

/** Returns when it started, so the caller can split latency into "to start" and "to result". */
export const stamp = app.task(async () => performance.timeOrigin + performance.now(), { name: "stamp" });

/** Appends "<tag> <pid> <ms>" to `ledger` when it starts, then sleeps `ms` (the recovery figures). */
export const slow = app.task(
  async (ms: number, ledger: string, tag: string) => {
    appendFileSync(ledger, `${tag} ${process.pid} ${Date.now()}\n`);
    await new Promise((r) => setTimeout(r, ms));
    return null;
  },
  { name: "slow" },
);
