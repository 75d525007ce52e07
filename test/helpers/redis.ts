import type { NencConfigInput } from "../../src/index.js";
import { FAST_RECOVERY, type TestBackend, testAppId, toEnv } from "./backends.js";

export const REDIS_TEST_URL = "redis://127.0.0.1:6379";

/** A Redis backend for one test file: a fresh appId, so a fresh key prefix (nenc:{appId}:). */
export function redisBackend(extra: NencConfigInput = {}): TestBackend {
  const options: NencConfigInput = {
    appId: testAppId("rd"),
    backend: "redis",
    redisUrl: REDIS_TEST_URL,
    ...FAST_RECOVERY,
    ...extra,
  };
  return { name: "redis", options, env: toEnv(options) };
}
