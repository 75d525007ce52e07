import { dropAppConnections, redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";
import { runRecoveryScenarios } from "./recovery.case.js";

await forServer("redis", "recovery with real processes (redis)", () => {
  runRecoveryScenarios(() => redisBackend(), dropAppConnections);
});
