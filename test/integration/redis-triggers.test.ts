import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";
import { runTriggerScenarios } from "./triggers.case.js";

await forServer("redis", "triggers with real processes (redis)", () => {
  runTriggerScenarios("redis", () => redisBackend());
});
