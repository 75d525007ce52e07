import { vi } from "vitest";
import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";
import { runTaskApiScenarios } from "./task-api.case.js";

vi.setConfig({ testTimeout: 180_000 });
await forServer("redis", "task API with real processes (redis)", () => {
  runTaskApiScenarios("redis", () => redisBackend());
});
