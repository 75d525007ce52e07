import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STATUSES } from "../../src/index.js";
import { NENC_BIN } from "../helpers/processes.js";

const ROOT = join(import.meta.dirname, "../..");
const nenc = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [NENC_BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });

describe("nenc CLI", () => {
  it("--help works on every command", () => {
    for (const args of [[], ["runner", "start"], ["show-config"], ["status", "render"], ["purge"]]) {
      const r = nenc([...args, "--help"]);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).toContain("Usage: nenc");
    }
  });

  it("a missing or wrong --app is a one-line error, not a stack trace", () => {
    const missing = nenc(["runner", "start"]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("--app");
    const wrong = nenc(["runner", "start", "--app", "nope.ts"]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toContain("--app nope.ts: no such file");
    const notApp = nenc(["runner", "start", "--app", "test/helpers/servers.ts"]);
    expect(notApp.stderr.trim()).toMatch(/exports no Nenc app.*\[NENC_APP_LOAD\]$/);
  });

  it("the app module can come from the app config key; --version; no arguments prints the help", () => {
    const fromConfig = nenc(["runner", "start"], { NENC__APP: "test/fixtures/app.ts", NENC__BACKEND: "memory" });
    expect(fromConfig.stderr).toMatch(/backend "memory" lives inside one process/); // the app was loaded
    const wrong = nenc(["monitor"], { NENC__APP: "nope.ts" });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrong.stderr).toContain("--app nope.ts: no such file");
    const version = nenc(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bare = nenc([]);
    expect(bare.status).toBe(0);
    expect(bare.stdout).toContain("Usage: nenc");
  });

  it("a task module that throws on import: the runner exits non-zero with the error and claims nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "nenc-throwing-app-"));
    const file = join(dir, "app.mjs");
    writeFileSync(file, `throw new Error("config file missing: /etc/shop.json");\n`);
    const r = nenc(["runner", "start", "--app", file], { NENC__BACKEND: "sqlite" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("config file missing: /etc/shop.json");
    expect(r.stderr).toContain("NENC_APP_LOAD");
    expect(r.stdout).not.toMatch(/started/);
  });

  it("an unreachable server at start: a clear error naming the URL without its password, exit non-zero", () => {
    const cases: Record<string, string>[] = [
      {
        NENC__BACKEND: "postgres",
        NENC__POSTGRES_URL: "postgres://shop:s3cret@127.0.0.1:9/test",
        NENC__POSTGRES_CONNECT_TIMEOUT_MS: "2000",
      },
      {
        NENC__BACKEND: "redis",
        NENC__REDIS_URL: "redis://:s3cret@127.0.0.1:9",
        NENC__REDIS_CONNECT_TIMEOUT_MS: "2000",
      },
    ];
    for (const env of cases) {
      const t0 = Date.now();
      const r = nenc(["runner", "start", "--app", "test/fixtures/app.ts"], env);
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/127\.0\.0\.1:9/);
      expect(r.stderr).not.toContain("s3cret");
      expect(r.stderr).toContain("NENC_BACKEND");
      expect(Date.now() - t0).toBeLessThan(60_000);
    }
  }, 120_000);

  it("refuses a runner that could never execute", () => {
    const r = nenc(["runner", "start", "--app", "test/fixtures/app.ts"], { NENC__BACKEND: "memory" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/backend "memory" lives inside one process.*\[NENC_RUNNER\]/);
  });

  it("--drain-seconds takes seconds >= 0 and is documented in the help", () => {
    const help = nenc(["runner", "start", "--help"]);
    expect(help.stdout).toContain("--drain-seconds <n>");
    for (const bad of ["-1", "soon", ""]) {
      const r = nenc(["runner", "start", "--app", "test/fixtures/app.ts", "--drain-seconds", bad]);
      expect(r.status, bad).not.toBe(0);
      expect(r.stderr).toContain("--drain-seconds must be a number of seconds >= 0");
    }
  });

  it("a malformed config key fails naming the key and its source", () => {
    const r = nenc(["show-config"], { NENC__MAX_PENDING_SECONDS: "soon" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('"maxPendingSeconds"');
    expect(r.stderr).toContain("NENC__MAX_PENDING_SECONDS");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("show-config prints each key with its value and source", () => {
    const r = nenc(["show-config"], { NENC__RUNNER_CONSIDERED_DEAD_AFTER_MINUTES: "0.1" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /runnerConsideredDeadAfterMinutes\s+0\.1\s+environment variable NENC__RUNNER_CONSIDERED_DEAD_AFTER_MINUTES/,
    );
    expect(r.stdout).toContain("components: SQLiteOrchestrator, SQLiteBroker, SQLiteStateBackend");
  });

  it("status render draws the state machine as text or SVG", () => {
    const text = nenc(["status", "render"]);
    for (const s of STATUSES) expect(text.stdout).toContain(s);
    const svg = nenc(["status", "render", "--format", "svg"]);
    expect(svg.stdout.startsWith("<svg")).toBe(true);
    expect(nenc(["status", "render", "--format", "png"]).stderr).toContain("text or svg");
  });
});
