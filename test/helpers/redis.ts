import { Redis } from "ioredis";
import type { NencConfigInput } from "../../src/index.js";
import { FAST_RECOVERY, type TestBackend, testAppId, toEnv } from "./backends.js";

export const REDIS_TEST_URL = "redis://127.0.0.1:6379";

/** Kill every connection of this app (commands, pub/sub, runner sessions): a network blip. */
export async function dropAppConnections(appId: string): Promise<number> {
  const admin = new Redis(REDIS_TEST_URL);
  try {
    const list = String(await admin.call("CLIENT", "LIST", "TYPE", "normal"));
    const ids = [...list.matchAll(/id=(\d+) .* name=(\S*)/g)]
      .filter((m) => m[2]?.startsWith(`nenc:${appId}`))
      .map((m) => m[1] ?? "");
    for (const id of ids) await admin.call("CLIENT", "KILL", "ID", id);
    const pubsub = String(await admin.call("CLIENT", "LIST", "TYPE", "pubsub"));
    for (const m of pubsub.matchAll(/id=(\d+) .* name=(\S*)/g)) {
      if (m[2]?.startsWith(`nenc:${appId}`)) await admin.call("CLIENT", "KILL", "ID", m[1] ?? "");
    }
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

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
