/**
 * The package as a user gets it: `npm pack`, install the tarball into a scratch project outside
 * the repository, and use it there from plain JavaScript and from TypeScript, through the
 * installed `nenc` command. Only the npm registry is reached; the native SQLite module is
 * reused from the project's own install instead of being compiled again.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const TSC = join(ROOT, "node_modules/.bin/tsc");
const scratch = mkdtempSync(join(tmpdir(), "nenc-consumer-"));
const runners: ChildProcess[] = [];

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}
let pack: PackInfo;

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
    timeout: 240_000,
  });
}

function write(name: string, text: string): void {
  writeFileSync(join(scratch, name), text);
}

const NENC = join(scratch, "node_modules/.bin/nenc");
const env = { ...process.env, NENC__SQLITE_DB_PATH: join(scratch, "app.sqlite"), NENC__LOG_FORMAT: "text" };

function startRunner(app?: string, ...more: string[]): Promise<ChildProcess> {
  const proc = spawn(NENC, ["runner", "start", ...(app ? ["--app", app] : []), ...more], {
    cwd: scratch,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  runners.push(proc);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/started \(pid/.test(out)) {
        clearTimeout(timer);
        resolve(proc);
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`runner exited ${code}:\n${out}`)));
  });
}

function stopRunners(): Promise<void> {
  return Promise.all(
    runners.splice(0).map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.on("exit", () => resolve());
          p.kill("SIGTERM");
        }),
    ),
  ).then(() => undefined);
}

beforeAll(() => {
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], ROOT)) as PackInfo[];
  pack = packed[0] as PackInfo;
  write("package.json", JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const started = Date.now();
  // --ignore-scripts: better-sqlite3's native module is copied from the project's install below.
  npm(["install", "--ignore-scripts", "--prefer-offline", join(scratch, pack.filename)], scratch);
  const sqlite = join(ROOT, "node_modules/better-sqlite3/build");
  cpSync(sqlite, join(scratch, "node_modules/better-sqlite3/build"), { recursive: true });
  process.stdout.write(
    `tarball ${pack.filename}: ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${pack.entryCount} files; npm install from it ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}, 300_000);

afterAll(async () => {
  await stopRunners();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds dist, bin, README and LICENSE, not sources, tests or fixtures", () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("bin/nenc.js");
    expect(paths).toContain("README.md");
    expect(paths).toContain("LICENSE");
    expect(paths).toContain("dist/backends/sqlite/migrations/0001_init.sql");
    expect(paths).toContain("dist/backends/redis/scripts/transition.lua");
    expect(paths).toContain("dist/runners/worker/worker-entry.mjs");
    expect(paths).toContain("dist/monitor/client/style.css");
    expect(paths.filter((p) => /^(src|test|examples|bench|scripts)\//.test(p))).toEqual([]);
    // Every file the code loads at run time from beside its module ships at the same relative path.
    const assets = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" }).filter((f) =>
      /\.(sql|lua|mjs|js|css)$/.test(f),
    );
    expect(assets.length).toBeGreaterThan(10);
    expect(assets.map((f) => `dist/${f}`).filter((f) => !paths.includes(f))).toEqual([]);
  });

  it("exports ESM with its declarations: types and import conditions", () => {
    const installed = JSON.parse(readFileSync(join(scratch, "node_modules/nenc/package.json"), "utf8"));
    expect(installed.type).toBe("module");
    expect(installed.exports["."]).toMatchObject({ types: "./dist/index.d.ts", import: "./dist/index.js" });
  });

  it("installs without the Redis and PostgreSQL drivers or tsx (optional peers)", () => {
    for (const pkg of ["ioredis", "pg", "tsx"]) {
      expect(() => readFileSync(join(scratch, "node_modules", pkg, "package.json"))).toThrow();
    }
  });
});

describe("a plain JavaScript project", () => {
  it("runs a .mjs caller against `nenc runner start --app tasks.mjs` and gets the results", async () => {
    write(
      "tasks.mjs",
      `import { Nenc } from "nenc";
export const app = new Nenc({ appId: "consumer" });
export const add = app.task(async (a, b) => a + b, { name: "add" });
export const notify = app.task(async (who) => { void who; }, { name: "notify" });
`,
    );
    write(
      "call.mjs",
      `import { add, app, notify } from "./tasks.mjs";
const sum = await (await add(2, 3)).result({ timeoutMs: 60_000 });
const nothing = await (await notify("a@example.com")).result({ timeoutMs: 60_000 });
console.log(JSON.stringify({ sum, nothing: nothing === undefined ? "undefined" : nothing }));
await app.close();
`,
    );
    await startRunner("tasks.mjs");
    const out = execFileSync(process.execPath, ["call.mjs"], { cwd: scratch, env, encoding: "utf8", timeout: 90_000 });
    expect(JSON.parse(out.trim().split("\n").at(-1) ?? "")).toEqual({ sum: 5, nothing: "undefined" });
    await stopRunners();
  }, 120_000);

  it("thread and process workers run the compiled JavaScript (no tsx installed)", async () => {
    for (const runner of ["ThreadRunner", "ProcessRunner"]) {
      await startRunner("tasks.mjs", "--runner", runner, "--concurrency", "1");
      const out = execFileSync(process.execPath, ["call.mjs"], {
        cwd: scratch,
        env,
        encoding: "utf8",
        timeout: 90_000,
      });
      expect(JSON.parse(out.trim().split("\n").at(-1) ?? "")).toEqual({ sum: 5, nothing: "undefined" });
      await stopRunners();
    }
  }, 120_000);

  it("serves the monitor from the installed package, with its client assets", async () => {
    const proc = spawn(NENC, ["monitor", "--app", "tasks.mjs", "--port", "0"], { cwd: scratch, env, stdio: "pipe" });
    runners.push(proc);
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`monitor did not start:\n${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.on("exit", (code) => reject(new Error(`monitor exited ${code}:\n${out}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/static/live.js");
    for (const asset of ["style.css", "live.js", "timeline.js"]) {
      const r = await fetch(new URL(`/static/${asset}`, url));
      expect(r.status).toBe(200);
      expect((await r.text()).length).toBeGreaterThan(100);
    }
    await stopRunners();
  }, 60_000);

  it("can require() the package where Node supports require(esm)", () => {
    write("req.cjs", `const { Nenc, ErrorCode } = require("nenc"); console.log(typeof Nenc, ErrorCode.Config);`);
    const out = execFileSync(process.execPath, ["req.cjs"], { cwd: scratch, encoding: "utf8" });
    expect(out.trim()).toBe("function NENC_CONFIG");
  });

  it("the CLI: --version, help without arguments, a one-line error for a missing app", () => {
    const version = spawnSync(NENC, ["--version"], { cwd: scratch, encoding: "utf8" });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
    const help = spawnSync(NENC, [], { cwd: scratch, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("runner");
    const missing = spawnSync(NENC, ["runner", "start"], { cwd: scratch, encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain('set "app"');
  });

  it("an app made by another copy of nenc than the command's is a one-line error saying so", () => {
    cpSync(join(scratch, "node_modules/nenc"), join(scratch, "vendored/nenc"), { recursive: true });
    write(
      "foreign.mjs",
      `import { Nenc } from "./vendored/nenc/dist/index.js";
export const app = new Nenc({ appId: "foreign" });
`,
    );
    const r = spawnSync(NENC, ["runner", "start", "--app", "foreign.mjs"], { cwd: scratch, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("another copy of nenc");
  });

  it("a .ts app without tsx installed is a one-line error naming the package to install", () => {
    write("typed.ts", `export {};\n`);
    const r = spawnSync(NENC, ["show-config", "--app", "typed.ts"], { cwd: scratch, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("npm install tsx");
    expect(r.stderr).toContain("NENC_MISSING_DEPENDENCY");
  });

  it("drivers load on demand: a missing one is an error naming the package to install", () => {
    const engines = { sqlite: "better-sqlite3", redis: "ioredis", postgres: "pg" };
    for (const backend of Object.keys(engines)) {
      write(
        `${backend}-app.mjs`,
        `import { Nenc } from "nenc";
const app = new Nenc({ appId: "consumer", backend: "${backend}" });
try { await app.purge(); console.log("ok"); } catch (err) { console.log(err.code, err.message); }
await app.close();
`,
      );
    }
    const run = (backend: string) =>
      execFileSync(process.execPath, [`${backend}-app.mjs`], { cwd: scratch, env, encoding: "utf8" }).trim();
    // Installed without optional dependencies (npm install --omit=optional): no SQLite driver either.
    const sqlite = join(scratch, "node_modules/better-sqlite3");
    renameSync(sqlite, `${sqlite}.away`);
    try {
      for (const [backend, driver] of Object.entries(engines)) {
        const out = run(backend);
        expect(out).toContain("NENC_MISSING_DEPENDENCY");
        expect(out).toContain(`npm install ${driver}`);
      }
    } finally {
      renameSync(`${sqlite}.away`, sqlite);
    }
    expect(run("sqlite")).toBe("ok");
  });

  it('the app file can come from the "nenc" field of package.json: no --app needed', async () => {
    const pkgPath = join(scratch, "package.json");
    const pkgJson = JSON.parse(readFileSync(pkgPath, "utf8")) as Record<string, unknown>;
    writeFileSync(pkgPath, JSON.stringify({ ...pkgJson, nenc: { app: "tasks.mjs" } }));
    try {
      const proc = await startRunner();
      expect(proc.exitCode).toBeNull();
      await stopRunners();
      writeFileSync(pkgPath, JSON.stringify({ ...pkgJson, nenc: { ap: "tasks.mjs" } }));
      const typo = spawnSync(NENC, ["runner", "start"], { cwd: scratch, encoding: "utf8" });
      expect(typo.status).toBe(1);
      expect(typo.stderr.trim().split("\n")).toHaveLength(1);
      expect(typo.stderr).toContain('Did you mean "app"?');
    } finally {
      writeFileSync(pkgPath, JSON.stringify(pkgJson));
    }
  }, 90_000);
});

describe("a TypeScript project", () => {
  beforeAll(() => {
    const tsxVersion = JSON.parse(readFileSync(join(ROOT, "node_modules/tsx/package.json"), "utf8")).version;
    npm(["install", "--prefer-offline", "--ignore-scripts", `tsx@${tsxVersion}`], scratch);
  }, 240_000);

  it("type-checks a strict consumer against the shipped declarations: argument and result types flow", () => {
    mkdirSync(join(scratch, "typed"), { recursive: true });
    writeFileSync(
      join(scratch, "typed/consumer.ts"),
      `import { cron, Nenc, type Invocation, onError, onEvent, onResult, TaskFailedError } from "nenc";
const app = new Nenc({ appId: "typed" });
export const charge = app.task(async (orderId: string, cents: number) => ({ orderId, total: cents * 2 }), { name: "charge" });
export const ping = app.task(async () => {}, { name: "ping" });
class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}
export const fetchIt = app.task(async (url: string) => url.length, { name: "fetchIt", maxRetries: 2, retryFor: [TypeError, HttpError] });
const paid = app.event<{ orderId: string; cents: number }>("order.paid");
export const ship = app.task(async (orderId: string) => orderId, { name: "ship", triggers: [onEvent(paid, { args: (p) => [p.orderId] })] });
export const nightly = app.task(async () => 1, { name: "nightly", triggers: cron("0 0 3 * * *", { timezone: "UTC" }) });
export const receipt = app.task(async (orderId: string) => orderId, {
  name: "receipt",
  triggers: { all: [onResult(charge, { filter: (r) => r.total > 0, args: (r) => [r.orderId] }), onError(fetchIt, { errors: [HttpError], args: (_e, inv) => [inv.id] })] },
});
// @ts-expect-error a trigger's arguments are checked against the task's parameters
export const wrongArgs = app.task(async (orderId: string) => orderId, { name: "wrongArgs", triggers: onEvent(paid, { args: (p) => [p.cents] }) });
export async function use(): Promise<void> {
  const inv: Invocation<{ orderId: string; total: number }> = await charge("o-1", 500);
  const r = await inv.result();
  const total: number = r.total;
  // @ts-expect-error a result field has its type
  const wrong: string = r.total;
  // @ts-expect-error a wrong argument type is a compile error
  await charge("o-1", "500");
  // @ts-expect-error a missing argument is a compile error
  await charge("o-1");
  const nothing: void = await (await ping()).result();
  const eventId: string = await paid.emit({ orderId: "o-1", cents: 5 });
  // @ts-expect-error the payload is typed by the event
  await paid.emit({ orderId: 1 });
  void [total, wrong, nothing, eventId, TaskFailedError];
}
`,
    );
    writeFileSync(
      join(scratch, "typed/tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          skipLibCheck: false,
          // A Node project has @types/node; the project's copy is used rather than installing it.
          typeRoots: [join(ROOT, "node_modules/@types")],
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    const r = spawnSync(TSC, ["-p", "typed/tsconfig.json"], { cwd: scratch, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);

  it("runs a .ts app file through the installed CLI", async () => {
    write(
      "tasks.ts",
      `import { Nenc } from "nenc";
export const app = new Nenc({ appId: "consumer_ts" });
export const shout = app.task(async (word: string): Promise<string> => word.toUpperCase(), { name: "shout" });
`,
    );
    write(
      "call-ts.ts",
      `import { app, shout } from "./tasks.ts";
const loud: string = await (await shout("hello")).result({ timeoutMs: 60_000 });
console.log(loud);
await app.close();
`,
    );
    // AsyncRunner loads it in the runner; ThreadRunner in each worker thread too (tsx registered there).
    for (const runner of ["AsyncRunner", "ThreadRunner"]) {
      await startRunner("tasks.ts", "--runner", runner, "--concurrency", "1");
      const out = execFileSync(process.execPath, ["--import", "tsx", "call-ts.ts"], {
        cwd: scratch,
        env,
        encoding: "utf8",
        timeout: 90_000,
      });
      expect(out.trim().split("\n").at(-1)).toBe("HELLO");
      await stopRunners();
    }
  }, 120_000);
});

describe("this checkout", () => {
  it('the recovery demo\'s app (importing "nenc") loads in the CLI the demo starts: one copy of nenc', () => {
    // npm run demo starts dist/cli/main.js; tasks.ts imports "nenc", which resolves to dist/ too
    // (bin/nenc.js runs src/ in a checkout: another copy, whose instanceof Nenc fails).
    expect(readFileSync(join(ROOT, "examples/recovery-demo/sample.ts"), "utf8")).toContain('"dist/cli/main.js"');
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "dist/cli/main.js"), "show-config", "--json", "--app", "examples/recovery-demo/tasks.ts"],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, NENC__CONFIG_FILE: "examples/recovery-demo/nenc.config.json" },
      },
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).config.appId).toBe("recovery_demo");
  });
});
