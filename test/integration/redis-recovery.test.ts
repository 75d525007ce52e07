import { describe, it } from "vitest";
import { dropAppConnections, redisBackend } from "../helpers/redis.js";
import { requireServer } from "../helpers/servers.js";
import { runRecoveryScenarios } from "./recovery.case.js";

if (await requireServer("redis")) {
  runRecoveryScenarios(() => redisBackend(), dropAppConnections);
} else {
  describe("recovery with real processes (redis)", () => {
    it.skip("skipped: redis is not answering on 127.0.0.1:6379", () => {});
  });
}
