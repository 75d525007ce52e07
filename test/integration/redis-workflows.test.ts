import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";
import { runWorkflowScenarios } from "./workflows.case.js";

await forServer("redis", "workflows with real processes (redis)", () => {
  runWorkflowScenarios("redis", () => redisBackend());
});
