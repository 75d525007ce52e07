import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { heartbeatIntervalMs, resolveConfig } from "../../src/config/resolve.js";
import { CONFIG_KEYS, defaultConfig } from "../../src/config/schema.js";
import { ConfigError, ErrorCode } from "../../src/errors/index.js";

const dir = () => mkdtempSync(join(tmpdir(), "nenc-config-"));

describe("config resolution", () => {
  it("defaults: every key has a default and a doc, and recovery happens within 20 s", () => {
    for (const [k, spec] of Object.entries(CONFIG_KEYS)) {
      expect(spec.doc.length, k).toBeGreaterThan(10);
      expect(spec.schema.safeParse(spec.default).success, k).toBe(true);
    }
    const c = defaultConfig();
    // dead-after + one recovery tick + one heartbeat interval (the last beat may precede the kill)
    expect(c.runnerConsideredDeadAfterMinutes * 60 + 3 + heartbeatIntervalMs(c) / 1000).toBeLessThan(20);
  });

  it("priority: options > env > NENC__CONFIG_FILE > nenc.config.json > package.json > defaults", async () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, "package.json"),
      JSON.stringify({ nenc: { appId: "frompkg", maxPendingSeconds: 1, logLevel: "warn" } }),
    );
    writeFileSync(join(cwd, "nenc.config.json"), JSON.stringify({ maxPendingSeconds: 2, retryBackoffMs: 7 }));
    const named = join(cwd, "named.json");
    writeFileSync(named, JSON.stringify({ retryBackoffMs: 8, runnerCls: "ThreadRunner" }));
    const env = {
      NENC__CONFIG_FILE: named,
      NENC__RUNNER_CLS: "AsyncRunner",
      NENC__RUNNER_CONSIDERED_DEAD_AFTER_MINUTES: "0.1",
    };
    const r = await resolveConfig({ runnerConsideredDeadAfterMinutes: 0.2 }, { cwd, env });
    expect(r.config).toMatchObject({
      appId: "frompkg",
      logLevel: "warn",
      maxPendingSeconds: 2,
      retryBackoffMs: 8,
      runnerCls: "AsyncRunner",
      runnerConsideredDeadAfterMinutes: 0.2,
    });
    expect(r.origin.appId).toContain("package.json");
    expect(r.origin.runnerCls).toBe("environment variable NENC__RUNNER_CLS");
    expect(r.origin.maxPendingSeconds).toContain("nenc.config.json");
    expect(r.origin.backend).toBe("default");
  });

  it("a .ts config file is loaded", async () => {
    const cwd = dir();
    writeFileSync(join(cwd, "nenc.config.ts"), "const n: number = 3;\nexport default { maxPendingSeconds: n };\n");
    const r = await resolveConfig({}, { cwd, env: {} });
    expect(r.config.maxPendingSeconds).toBe(3);
  });

  it("the heartbeat interval is a fraction of the dead-after window unless set", () => {
    expect(heartbeatIntervalMs({ ...defaultConfig(), runnerConsideredDeadAfterMinutes: 0.1 })).toBe(1500);
    expect(heartbeatIntervalMs({ ...defaultConfig(), heartbeatIntervalSeconds: 2 })).toBe(2000);
  });

  const bad: Array<[string, Record<string, unknown>, Record<string, string>, string, string]> = [
    ["an unknown option key", { bogusKey: 1 }, {}, "bogusKey", "options given to new Nenc()"],
    ["an unknown env key", {}, { NENC__NOPE_KEY: "1" }, "nopeKey", "environment variable NENC__NOPE_KEY"],
    [
      "a wrong type from env",
      {},
      { NENC__MAX_PENDING_SECONDS: "soon" },
      "maxPendingSeconds",
      "environment variable NENC__MAX_PENDING_SECONDS",
    ],
    ["a wrong type in options", { maxPendingSeconds: "5" }, {}, "maxPendingSeconds", "options given to new Nenc()"],
    [
      "an invalid cron",
      { recoverRunningInvocationsCron: "every second" },
      {},
      "recoverRunningInvocationsCron",
      "options",
    ],
    ["a bad backend", {}, { NENC__BACKEND: "mongo" }, "backend", "NENC__BACKEND"],
  ];
  it.each(bad)("%s is a ConfigError naming the key and its source", async (_what, options, env, key, source) => {
    const err = await resolveConfig(options as never, { cwd: dir(), env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe(ErrorCode.Config);
    expect((err as ConfigError).key).toBe(key);
    expect((err as ConfigError).source).toContain(source);
    expect((err as ConfigError).message).toContain(key);
  });

  it("a malformed config file names the file", async () => {
    const cwd = dir();
    writeFileSync(join(cwd, "nenc.config.json"), "{ not json");
    const err = (await resolveConfig({}, { cwd, env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(err.code).toBe(ErrorCode.Config);
    expect(err.message).toContain("nenc.config.json");
    expect(err.cause).toBeDefined();
  });

  it("a misspelt key in package.json names the key meant", async () => {
    const cwd = dir();
    writeFileSync(join(cwd, "package.json"), JSON.stringify({ nenc: { ap: "tasks.mjs" } }));
    const err = (await resolveConfig({}, { cwd, env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(err.code).toBe(ErrorCode.Config);
    expect(err.message).toContain(`Unknown config key "ap" from ${join(cwd, "package.json")} ("nenc" field).`);
    expect(err.message).toContain('Did you mean "app"?');
    const far = (await resolveConfig({ completelyDifferent: 1 } as never, { cwd: dir(), env: {} }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(far.message).not.toContain("Did you mean");
  });

  it("cron expressions accept a seconds field", async () => {
    const r = await resolveConfig({ recoverRunningInvocationsCron: "*/2 * * * * *" }, { cwd: dir(), env: {} });
    expect(r.config.recoverRunningInvocationsCron).toBe("*/2 * * * * *");
  });
});
