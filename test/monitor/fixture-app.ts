import { Nenc } from "../../src/index.js";
import { defineMonitorTasks } from "./fixture-tasks.js";

/** The app monitor tests' runner processes load; its config comes from NENC__* variables. */
export const app = new Nenc();
defineMonitorTasks(app);
