import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../helpers/backends.js";
import { NENC_BIN } from "../helpers/processes.js";
import { MONITOR_APP } from "./helpers.js";

function nenc(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, [NENC_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, exited, output: () => out };
}

describe("nenc monitor", () => {
  const backend = sqliteBackend();
  const procs: Array<ReturnType<typeof nenc>> = [];
  afterAll(() => {
    for (const p of procs) p.proc.kill("SIGKILL");
  });

  it("serves the app's monitor on 127.0.0.1 and stops on SIGTERM", async () => {
    const m = nenc(["monitor", "--app", MONITOR_APP, "--port", "0"], backend.env);
    procs.push(m);
    const deadline = Date.now() + 20_000;
    while (!/listening on (http:\S+)/.test(m.output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const url = m.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    expect(url, m.output()).toBeDefined();
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; appId: string };
    expect(health).toMatchObject({ status: "ok", appId: backend.options.appId });
    m.proc.kill("SIGTERM");
    expect(await m.exited).toBe(0);
  });

  it("refuses a non-loopback bind without a token", async () => {
    const m = nenc(["monitor", "--app", MONITOR_APP, "--host", "0.0.0.0", "--port", "0"], backend.env);
    procs.push(m);
    expect(await m.exited).toBe(1);
    expect(m.output()).toMatch(/needs? .*token|give a token/);
  });

  it("accepts NENC__MONITOR_TOKEN for a non-loopback bind and requires it", async () => {
    const m = nenc(["monitor", "--app", MONITOR_APP, "--host", "0.0.0.0", "--port", "0"], {
      ...backend.env,
      NENC__MONITOR_TOKEN: "tok",
    });
    procs.push(m);
    const deadline = Date.now() + 20_000;
    while (!/listening on/.test(m.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const port = m.output().match(/listening on http:\/\/0\.0\.0\.0:(\d+)/)?.[1];
    expect(port, m.output()).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { headers: { authorization: "Bearer tok" } });
    expect(ok.status).toBe(200);
    m.proc.kill("SIGTERM");
    await m.exited;
  });
});
