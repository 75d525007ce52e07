import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";
import { runConcurrencyScenarios } from "./concurrency.case.js";

await forServer("redis", "concurrency control with real processes (redis)", () => {
  runConcurrencyScenarios(() => redisBackend());
});
