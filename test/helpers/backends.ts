import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toEnvVars } from "../../src/config/env-names.js";
import type { NencConfigInput } from "../../src/index.js";

/** A test's backend: the options for the caller's app and the same settings as NENC__* for runner processes. */
export interface TestBackend {
  name: string;
  options: NencConfigInput;
  env: Record<string, string>;
}

/** Fast timings so recovery happens within seconds in tests. */
export const FAST_RECOVERY: NencConfigInput = {
  runnerConsideredDeadAfterMinutes: 0.05, // 3 s
  recoverRunningInvocationsCron: "* * * * * *",
  recoverPendingInvocationsCron: "* * * * * *",
  logLevel: "info",
};

/** The same settings as NENC__* variables, for runner processes. */
export const toEnv = toEnvVars;

export function testAppId(prefix = "it"): string {
  return `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

export function sqliteBackend(extra: NencConfigInput = {}): TestBackend {
  const dir = mkdtempSync(join(tmpdir(), "nenc-it-"));
  const options: NencConfigInput = {
    appId: testAppId(),
    backend: "sqlite",
    sqliteDbPath: join(dir, "nenc.sqlite"),
    ...FAST_RECOVERY,
    ...extra,
  };
  return { name: "sqlite", options, env: toEnv(options) };
}
