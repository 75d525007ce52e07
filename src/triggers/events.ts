import { TriggerDefinitionError } from "../errors/index.js";
import type { TriggerFirer } from "./firing.js";
import { passes, type TriggerRegistry, triggerArgs } from "./registry.js";

/**
 * The app's event task: each emitted event is one invocation of it (its id is the event's id),
 * so an event is durable once emitted and its evaluation is run, and recovered, like any work.
 */
export const EVENT_TASK_ID = "nenc.event";

/** Event names follow task ids: letters, digits, `_ . : -`. */
export function checkEventName(name: unknown): string {
  if (typeof name !== "string" || !/^[A-Za-z_$][\w$.:-]{0,199}$/.test(name)) {
    throw new TriggerDefinitionError(
      `Event name ${JSON.stringify(name)} is not valid: use letters, digits, _ . : - (max 200), starting with a letter.`,
    );
  }
  return name;
}

/**
 * At emit time, before anything is recorded: every matching trigger's filter and arguments
 * are computed and checked (a failure names the trigger).
 */
export function checkEmit(registry: TriggerRegistry, name: string, payload: unknown, eventId: string): void {
  const input = { kind: "event" as const, payload, eventId };
  for (const ref of registry.forEvent(name)) if (passes(ref, input)) triggerArgs(ref, input);
}

/**
 * On a runner: start every trigger matching the event, exactly once each (a re-run after a
 * crash starts nothing twice). Every trigger is tried; the first failure is thrown after.
 */
export async function evaluateEvent(
  registry: TriggerRegistry,
  firer: TriggerFirer,
  name: string,
  payload: unknown,
  eventId: string,
): Promise<{ event: string; fired: number }> {
  let fired = 0;
  let failure: unknown = null;
  const input = { kind: "event" as const, payload, eventId };
  for (const ref of registry.forEvent(name)) {
    try {
      if (await firer.matched(ref, `event:${eventId}`, input, { eventId, event: name })) fired += 1;
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return { event: name, fired };
}
