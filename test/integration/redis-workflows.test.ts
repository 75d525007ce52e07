import { describe, it } from "vitest";
import { redisBackend } from "../helpers/redis.js";
import { requireServer } from "../helpers/servers.js";
import { runWorkflowScenarios } from "./workflows.case.js";

if (await requireServer("redis")) {
  runWorkflowScenarios("redis", () => redisBackend());
} else {
  describe("workflows with real processes (redis)", () => {
    it.skip("skipped: redis is not answering on 127.0.0.1:6379", () => {});
  });
}
