import { v5 as uuidv5 } from "uuid";
import type { Orchestrator, TriggerOrigin } from "../core/contract/index.js";
import { BackendError } from "../errors/index.js";
import type { ConditionInput } from "./conditions.js";
import { type ConditionRef, passes, type RegisteredTrigger, triggerArgs } from "./registry.js";

/** Namespace of the deterministic ids of triggered invocations (UUIDv5). */
const NAMESPACE = "3b0f7c52-58a4-4c8e-9a0e-5f1f6d0c9e21";

/**
 * The id of the invocation a trigger starts for one match: the same for every evaluation of
 * the same match (a re-run after a crash, two runners evaluating at once), so registering it
 * twice records it once. This is what makes firing exactly once.
 */
export function triggeredInvocationId(appId: string, triggerId: string, key: string): string {
  return uuidv5(`${appId}\n${triggerId}\n${key}`, NAMESPACE);
}

export interface FiringDeps {
  appId: string;
  orchestrator: Pick<Orchestrator, "getStatuses" | "getTriggerStates" | "setTriggerState">;
  /** Record and route the triggered invocation (idempotent on its id). */
  register(taskId: string, args: string, id: string, origin: TriggerOrigin): Promise<void>;
}

/** The state of an `all` trigger: each condition's latest match, and matches already used. */
interface AllState {
  matched: Record<string, string>;
  consumed: string[];
}

const REMEMBERED = 10_000;

/** Turns condition matches into triggered invocations, exactly once per match. */
export class TriggerFirer {
  /** Ids fired or found recorded lately: a re-scan skips them without a query. */
  private readonly recent = new Set<string>();

  constructor(private readonly deps: FiringDeps) {}

  /**
   * A condition matched (`key` names the match: a tick, an event, a source invocation). Fires
   * its trigger unless its filter refuses it; an `all` trigger fires once each of its
   * conditions has matched since it last fired. True when an invocation was started.
   */
  async matched(
    ref: ConditionRef,
    key: string,
    input: ConditionInput,
    origin: Omit<TriggerOrigin, "trigger">,
  ): Promise<boolean> {
    if (!passes(ref, input)) return false;
    if (ref.trigger.mode !== "all")
      return this.fire(ref.trigger, `${ref.index}:${key}`, triggerArgs(ref, input), origin);
    return this.matchAll(ref, `${ref.index}:${key}`, input, origin);
  }

  private async fire(
    trigger: RegisteredTrigger,
    key: string,
    args: string,
    origin: Omit<TriggerOrigin, "trigger">,
  ): Promise<boolean> {
    const id = triggeredInvocationId(this.deps.appId, trigger.id, key);
    if (this.recent.has(id)) return false;
    const known = (await this.deps.orchestrator.getStatuses([id])).has(id);
    if (!known) await this.deps.register(trigger.taskId, args, id, { trigger: trigger.id, ...origin });
    this.recent.add(id);
    if (this.recent.size > REMEMBERED) this.recent.delete(this.recent.values().next().value as string);
    return !known;
  }

  private async matchAll(
    ref: ConditionRef,
    matchId: string,
    input: ConditionInput,
    origin: Omit<TriggerOrigin, "trigger">,
  ): Promise<boolean> {
    const { trigger } = ref;
    const stateKey = `all:${trigger.id}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = (await this.deps.orchestrator.getTriggerStates([stateKey])).get(stateKey);
      const state = parseAllState(current?.value);
      // Counted already (this match was seen before, e.g. an evaluation re-run after a crash).
      if (state.consumed.includes(matchId) || state.matched[ref.index] === matchId) return false;
      state.matched[ref.index] = matchId;
      const keys = trigger.conditions.map((_, i) => state.matched[i]);
      const complete = keys.every((k) => k !== undefined);
      let next = state;
      let fired = false;
      if (complete) {
        // Fire before the state moves on: a crash in between re-fires the same id (a no-op).
        fired = await this.fire(trigger, keys.join("|"), triggerArgs(ref, input), origin);
        next = { matched: {}, consumed: [...state.consumed, ...(keys as string[])].slice(-200) };
      }
      if (await this.deps.orchestrator.setTriggerState(stateKey, JSON.stringify(next), current?.version ?? 0)) {
        return fired;
      }
    }
    throw new BackendError(`Trigger ${trigger.id}: its state kept changing under 50 attempts to record a match.`);
  }
}

function parseAllState(raw: string | undefined): AllState {
  if (raw === undefined) return { matched: {}, consumed: [] };
  try {
    const v = JSON.parse(raw) as AllState;
    if (v && typeof v.matched === "object" && Array.isArray(v.consumed)) return v;
  } catch {
    // an unreadable state starts over (logged by nobody: it only delays one firing)
  }
  return { matched: {}, consumed: [] };
}
