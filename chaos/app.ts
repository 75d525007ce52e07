import { appendFileSync } from "node:fs";
import { currentContext, Nenc, onEvent } from "../src/index.js";

/** The chaos run's app; runner processes load it with `nenc runner start --app chaos/app.ts`. */
export const app = new Nenc();

/**
 * One line per execution in a ledger outside nenc ("<tag> <pid> <runner context>"), then a
 * short random sleep: the ledger counts executions, whatever nenc records.
 */
async function logged(ledger: string, ms: number, tag: string): Promise<{ tag: string; runnerId: string }> {
  const runnerId = currentContext()?.runnerId ?? "?";
  appendFileSync(ledger, `${tag} ${process.pid} ${runnerId}\n`);
  await new Promise((r) => setTimeout(r, ms));
  return { tag, runnerId };
}

export const work = app.task(async (ledger: string, ms: number, tag: string) => logged(ledger, ms, tag), {
  name: "work",
});

/** At most LIMITED_SLOTS executions per key at once (running concurrency, rerouted when blocked). */
export const LIMITED_SLOTS = 2;

export const limited = app.task(
  async (ledger: string, ms: number, tag: string, _key: string) => logged(ledger, ms, tag),
  {
    name: "limited",
    runningConcurrency: "KEYS",
    concurrencyKey: (_ledger, _ms, _tag, key) => key,
    runningConcurrencyLimit: LIMITED_SLOTS,
    rerouteOnConcurrencyControl: true,
  },
);

/** An event; each one starts the `triggered` task exactly once (checked by its origin). */
export const chaosEvent = app.event<{ ledger: string; ms: number; tag: string }>("chaos.event");

app.task(async (ledger: string, ms: number, tag: string) => logged(ledger, ms, tag), {
  name: "triggered",
  triggers: onEvent(chaosEvent, { args: (p) => [p.ledger, p.ms, p.tag] }),
});

/** Two recorded children around a durable sleep: a replay must never register a child twice. */
export const flow = app.workflow(
  async (wf, ledger: string, ms: number, tag: string) => {
    const a = await wf.run(work, ledger, ms, `${tag}.a`);
    await wf.sleep(100 + ms);
    const b = await wf.run(work, ledger, ms, `${tag}.b`);
    return { tag, a: a.tag, b: b.tag };
  },
  { name: "flow" },
);
