import { appendFileSync } from "node:fs";
import { currentContext, Nenc } from "../src/index.js";

/** The chaos run's app; runner processes load it with `nenc runner start --app chaos/app.ts`. */
export const app = new Nenc();

/**
 * One line per execution in a ledger outside nenc ("<tag> <pid> <runner context>"), then a
 * short random sleep: the ledger counts executions, whatever nenc records.
 */
export const work = app.task(
  async (ledger: string, ms: number, tag: string) => {
    const runnerId = currentContext()?.runnerId ?? "?";
    appendFileSync(ledger, `${tag} ${process.pid} ${runnerId}\n`);
    await new Promise((r) => setTimeout(r, ms));
    return { tag, runnerId };
  },
  { name: "work" },
);
