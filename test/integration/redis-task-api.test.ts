import { describe, it, vi } from "vitest";
import { redisBackend } from "../helpers/redis.js";
import { requireServer } from "../helpers/servers.js";
import { runTaskApiScenarios } from "./task-api.case.js";

vi.setConfig({ testTimeout: 180_000 });
if (await requireServer("redis")) {
  runTaskApiScenarios("redis", () => redisBackend());
} else {
  describe("task API with real processes (redis)", () => {
    it.skip("skipped: redis is not answering on 127.0.0.1:6379", () => {});
  });
}
