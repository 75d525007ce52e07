import type { Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";

/** The integration tasks plus the ones monitor tests need (log lines, children, stored markup). */
export function defineMonitorTasks(app: Nenc) {
  const base = defineTasks(app);
  const chatty = app.task(
    async (n: number) => {
      for (let i = 0; i < n; i++) chatty.logger.info(`chatty line ${i + 1} of ${n}`);
      chatty.logger.warn("chatty <b>warning</b>");
      return n;
    },
    { name: "chatty" },
  );
  const echo = app.task(async (value: string) => ({ echoed: value }), { name: "echo" });
  const parentTask = app.task(
    async (k: number) => {
      const children = await base.add.parallelize(Array.from({ length: k }, (_, i) => [i, 1] as [number, number]));
      const results = await Promise.all(children.invocations.map((c) => c.result()));
      return results.reduce((a, b) => a + b, 0);
    },
    { name: "parentTask" },
  );
  return { ...base, chatty, echo, parentTask };
}
