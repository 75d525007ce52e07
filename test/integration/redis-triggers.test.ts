import { describe, it } from "vitest";
import { redisBackend } from "../helpers/redis.js";
import { requireServer } from "../helpers/servers.js";
import { runTriggerScenarios } from "./triggers.case.js";

if (await requireServer("redis")) {
  runTriggerScenarios("redis", () => redisBackend());
} else {
  describe("triggers with real processes (redis)", () => {
    it.skip("skipped: redis is not answering on 127.0.0.1:6379", () => {});
  });
}
