// Shared by the peer adapters: the benchmark's three job kinds, run the same way by every system.
import { appendFileSync } from "node:fs";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** "slow": append "<tag> <pid> <ms since epoch>" to the ledger when it starts, then sleep. */
export async function slowJob({ ledger, tag, ms }) {
  appendFileSync(ledger, `${tag} ${process.pid} ${Date.now()}\n`);
  await sleep(ms);
  return null;
}

/** Run as a worker process: `node <adapter>.mjs worker '<ctx json>' <concurrency> [fast]`. */
export async function runWorker(system) {
  const [, , mode, ctxJson, concurrency, fast] = process.argv;
  if (mode !== "worker") return;
  const stop = await system.work(JSON.parse(ctxJson), Number(concurrency), fast === "fast");
  process.send?.("ready");
  process.stdout.write("worker ready\n");
  process.on("SIGTERM", async () => {
    await stop();
    process.exit(0);
  });
}
