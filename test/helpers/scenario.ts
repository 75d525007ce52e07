import { afterAll, afterEach, beforeAll } from "vitest";
import { isFinal, Nenc, STATUSES } from "../../src/index.js";
import type { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "./backends.js";
import { killAllRunners } from "./processes.js";

const NOT_FINAL = STATUSES.filter((s) => !isFinal(s));

export interface ScenarioApp<T = ReturnType<typeof defineTasks>> {
  backend: TestBackend;
  app: Nenc;
  tasks: T;
}

/**
 * The app a file of real-process scenarios shares (the tasks `define` declares, on a fresh
 * backend, purged first, purged and closed last). After each scenario `beforeCleanup` runs (e.g. opening gates),
 * every runner is killed and what the scenario left unfinished (a task waiting on a gate or a
 * signal) is cancelled, so the next scenario's runners are not busy recovering it. The fields
 * are set in the returned object's beforeAll.
 */
export function useScenarioApp<T>(
  makeBackend: () => TestBackend | Promise<TestBackend>,
  define: (app: Nenc) => T,
  beforeCleanup?: () => void,
): ScenarioApp<T> {
  const scenario = {} as ScenarioApp<T>;
  beforeAll(async () => {
    scenario.backend = await makeBackend();
    scenario.app = new Nenc(scenario.backend.options);
    scenario.tasks = define(scenario.app);
    await scenario.app.purge();
  });
  afterEach(async () => {
    beforeCleanup?.();
    await killAllRunners();
    const open = await scenario.app.findInvocations({ status: NOT_FINAL, limit: 1000 });
    await Promise.all(open.map((i) => i.cancel("scenario over")));
  });
  afterAll(async () => {
    await scenario.app?.purge();
    await scenario.app?.close();
  });
  return scenario;
}
