import { Nenc } from "nenc";

export const app = new Nenc({ appId: "recovery_demo" });

/** Logs 8 progress lines, one second apart, then returns `task_N_completed`. */
export const slowTask = app.task(
  async (taskNum: number): Promise<string> => {
    slowTask.logger.info(`[slowTask(${taskNum})] Starting — will run for 8 seconds`);
    for (let second = 0; second < 8; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      slowTask.logger.info(`[slowTask(${taskNum})] progress ${second + 1}/8`);
    }
    return `task_${taskNum}_completed`;
  },
  { name: "slowTask" },
);
