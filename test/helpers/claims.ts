import type { ClaimedStart, Components, NextWork } from "../../src/core/contract/index.js";
import { CLAIMABLE_STATUSES } from "../../src/core/status.js";

/**
 * The engine's AtomicClaimer as the runner calls it (up to 5 from "default", runner "r1"), and a
 * first claim of the empty queues made once the engine's wake-ups are heard, so that it tells
 * what it saw (`next`): the first wait for work starts listening, and a connection slow to come
 * up under load takes a few turns.
 */
export async function claimWhenHeard(
  c: Components,
): Promise<{ claim: () => Promise<ClaimedStart>; empty: ClaimedStart }> {
  const claimer = c.claimer;
  if (!claimer) throw new Error("these components have no AtomicClaimer");
  const claim = () => claimer.claimAndStart(5, ["default"], "r1", CLAIMABLE_STATUSES);
  let empty = await claim();
  for (let i = 0; empty.next === undefined && i < 100; i++) {
    await c.broker.waitForWork(50);
    empty = await claim();
  }
  return { claim, empty };
}

/** Ms until `c`'s wait for work after a claim (its `next`) wakes, with "x" routed 200 ms into it. */
export async function wokenByRoute(c: Components, next: NextWork | undefined): Promise<number> {
  const started = Date.now();
  const wake = c.broker.waitForWork(10_000, ["default"], next);
  setTimeout(() => void c.broker.route([{ id: "x" }]), 200);
  await wake;
  return Date.now() - started;
}
