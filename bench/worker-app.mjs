// The benchmark app as the worker process loads it: plain JavaScript on the built package
// (dist/), as a user's runner runs; the same tasks as bench/app.ts, which the harness calls.
import { appendFileSync } from "node:fs";
import { Nenc } from "../dist/index.js";

export const app = new Nenc();

export const noop = app.task(async (_n) => null, { name: "noop" });

export const stamp = app.task(async () => performance.timeOrigin + performance.now(), { name: "stamp" });

export const slow = app.task(
  async (ms, ledger, tag) => {
    appendFileSync(ledger, `${tag} ${process.pid} ${Date.now()}\n`);
    await new Promise((r) => setTimeout(r, ms));
    return null;
  },
  { name: "slow" },
);
