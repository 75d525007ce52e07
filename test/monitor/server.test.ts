/**
 * Every monitor route on SQLite, with invocations made by a real runner process
 * (`nenc runner start` on the same database file).
 */

import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { shortId } from "../../src/core/ids.js";
import { ConfigError, ErrorCode, Nenc, TaskFailedError } from "../../src/index.js";
import { checkBind } from "../../src/monitor/security.js";
import { createMonitorApp, startMonitor } from "../../src/monitor/server.js";
import { sqliteBackend, type TestBackend } from "../helpers/backends.js";
import { freeze, killAllRunners, type RunnerProcess, spawnRunner, waitUntil } from "../helpers/processes.js";
import { defineMonitorTasks } from "./fixture-tasks.js";
import { csrfFrom, get, MONITOR_APP, postForm } from "./helpers.js";

const XSS = "<script>alert(1)</script>";

describe("monitor routes (SQLite, real runner process)", () => {
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ReturnType<typeof defineMonitorTasks>;
  let hono: Hono;
  let runner: RunnerProcess;
  let runnerId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    backend = sqliteBackend();
    app = new Nenc(backend.options);
    tasks = defineMonitorTasks(app);
    runner = spawnRunner({ env: backend.env, app: MONITOR_APP, runner: "AsyncRunner" });
    runnerId = (await runner.waitFor(/AsyncRunner (\S+) started/))[1]!;
    const echo = await tasks.echo(XSS);
    const chatty = await tasks.chatty(3);
    const parent = await tasks.parentTask(3);
    const failed = await tasks.fail("boom <b>bold</b>");
    const nothing = await tasks.nothing(1);
    await Promise.all([echo.result(), chatty.result(), parent.result({ timeoutMs: 30_000 }), nothing.result()]);
    await failed.result().catch(() => undefined);
    Object.assign(ids, { echo: echo.id, chatty: chatty.id, parent: parent.id, failed: failed.id, nothing: nothing.id });
    // The runner process writes captured log lines in batches, shortly after the task ends.
    const { stateBackend } = await appServices(app).components();
    await waitUntil(async () => (await stateBackend.logs(chatty.id)).length >= 4, 10_000, "chatty's log lines");
    ({ hono } = createMonitorApp(app));
  });

  afterAll(async () => {
    await killAllRunners();
    await app?.purge();
    await app?.close();
  });

  it("every page answers with the nav bar and its content", async () => {
    for (const path of ["/", "/timeline", "/invocations", "/tasks", "/workflows", "/runners", "/broker"]) {
      const { status, text } = await get(hono, path);
      expect(status, path).toBe(200);
      for (const link of ["/timeline", "/invocations", "/tasks", "/workflows", "/runners", "/broker"]) {
        expect(text, `${path} nav`).toContain(`href="${link}"`);
      }
    }
  });

  it("live updates ask for <main> only", async () => {
    const full = await get(hono, "/runners");
    const partial = await get(hono, "/runners", { "x-nenc-partial": "1" });
    expect(full.text).toContain("<!doctype html>");
    expect(partial.text).not.toContain("<!doctype html>");
    expect(partial.text).toContain(runnerId);
  });

  it("dashboard: counts by status, runners, components, resolved config", async () => {
    const { text } = await get(hono, "/");
    expect(text).toMatch(/data-count="SUCCESS">\d+</);
    expect(text).toMatch(/data-count="FAILED">1</);
    expect(text).toContain('id="runners-alive">1<');
    expect(text).toContain("SQLiteOrchestrator");
    expect(text).toContain("runnerConsideredDeadAfterMinutes");
    expect(text).toContain("Throughput, last hour");
  });

  it("/health is JSON", async () => {
    const res = await hono.request("/health");
    const body = (await res.json()) as { status: string; runners: { alive: number }; appId: string };
    expect(body.status).toBe("ok");
    expect(body.runners.alive).toBe(1);
    expect(body.appId).toBe(backend.options.appId);
  });

  it("timeline: a lane for the runner with a bar per invocation", async () => {
    const { text } = await get(hono, "/timeline?range=1h&w=900");
    expect(text).toContain(`class="lane lane-alive" data-lane="${runnerId}"`);
    for (const id of Object.values(ids)) expect(text).toContain(`data-inv="${id}"`);
    expect(text).toMatch(new RegExp(`data-inv="${ids.echo}" data-status="SUCCESS" data-lane="${runnerId}"`));
    expect(text).toMatch(new RegExp(`data-inv="${ids.failed}" data-status="FAILED"`));
  });

  it("timeline filters by task and workflow, and takes a custom range", async () => {
    const byTask = (await get(hono, "/timeline?range=1h&task=echo")).text;
    expect(byTask).toContain(`data-inv="${ids.echo}"`);
    expect(byTask).not.toContain(`data-inv="${ids.chatty}"`);
    const byWf = (await get(hono, `/timeline?range=1h&workflow=${ids.parent}`)).text;
    expect(byWf).toContain(`data-inv="${ids.parent}"`);
    expect(byWf).not.toContain(`data-inv="${ids.echo}"`);
    expect((byWf.match(/class="bar" data-inv=/g) ?? []).length).toBe(4);
    const old = (await get(hono, `/timeline?from=${Date.now() - 7_200_000}&to=${Date.now() - 3_600_000}`)).text;
    expect(old).not.toContain(`data-inv="${ids.echo}"`);
    expect(old).toContain("0 invocations");
    const from = 1_000_000_000_000;
    const zoomed = (await get(hono, `/timeline?from=${from}&to=${from + 60_000}&w=800`)).text;
    expect(zoomed).toContain(
      `href="/timeline?from=${from - 30_000}&amp;to=${from + 90_000}&amp;w=800" title="zoom out"`,
    );
    expect(zoomed).toContain(
      `href="/timeline?from=${from + 15_000}&amp;to=${from + 45_000}&amp;w=800" title="zoom in"`,
    );
    expect(zoomed).toContain('data-live-interval="2500"');
    expect((await get(hono, "/timeline?range=1w")).text).toContain('data-live-interval="30000"');
  });

  it("invocations: filtered by status, task, runner and workflow, paginated", async () => {
    const failed = (await get(hono, "/invocations?status=FAILED")).text;
    expect(failed).toContain(shortId(ids.failed!));
    expect(failed).not.toContain(shortId(ids.echo!));
    const echo = (await get(hono, "/invocations?task=echo")).text;
    expect(echo).toContain(shortId(ids.echo!));
    expect(echo).not.toContain(shortId(ids.chatty!));
    const byRunner = (await get(hono, `/invocations?runner=${runnerId}`)).text;
    expect(byRunner).toContain(shortId(ids.chatty!));
    const wf = (await get(hono, `/invocations?workflow=${ids.parent}`)).text;
    expect((wf.match(/<tr><td><a class="mono"/g) ?? []).length).toBe(4);
    const page2 = await get(hono, "/invocations?page=2");
    expect(page2.status).toBe(200);
    expect(page2.text).toContain("page 2");
  });

  it("detail: history with owners and tokens, arguments, result, logs", async () => {
    const { text } = await get(hono, `/invocations/${ids.chatty}`);
    for (const s of ["REGISTERED", "PENDING", "RUNNING", "SUCCESS"]) expect(text).toContain(`>${s}</span>`);
    expect(text).toContain(runnerId);
    expect(text).toContain("fencing token");
    expect(text).toContain("chatty line 1 of 3");
    expect(text).toContain("chatty line 3 of 3");
    expect(text).toContain("chatty &lt;b&gt;warning&lt;/b&gt;");
    expect(text).toMatch(/<pre class="json" id="result">3<\/pre>/);
  });

  it("detail: a task that returned nothing shows undefined, not the stored marker", async () => {
    const { text } = await get(hono, `/invocations/${ids.nothing}`);
    expect(text).toContain('<pre class="json" id="result">undefined</pre>');
    expect(text).toContain("The task returned nothing.");
    expect(text).not.toContain("$nenc:undefined");
  });

  it("detail: error with stack and cause; family tree with parent and children", async () => {
    const failed = (await get(hono, `/invocations/${ids.failed}`)).text;
    expect(failed).toContain("TypeError");
    expect(failed).toContain("boom &lt;b&gt;bold&lt;/b&gt;");
    expect(failed).toContain("root cause");
    expect(failed).toMatch(/class="stack">[^<]*at /);
    const parent = (await get(hono, `/invocations/${ids.parent}`)).text;
    const children = [...parent.matchAll(/<li><span class=""><a class="mono" href="\/invocations\/([^"]+)"/g)];
    expect(children).toHaveLength(3);
    const child = (await get(hono, `/invocations/${children[0]![1]}`)).text;
    expect(child).toContain(`href="/invocations/${ids.parent}"`);
  });

  it("stored values are escaped, never rendered as HTML", async () => {
    const pages = [`/invocations/${ids.echo}`, "/invocations?task=echo", "/timeline?range=1h"];
    for (const p of pages) expect((await get(hono, p)).text, p).not.toContain(XSS);
    const detail = (await get(hono, `/invocations/${ids.echo}`)).text;
    expect(detail).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const notice = (await get(hono, `/invocations/${ids.echo}?notice=${encodeURIComponent(XSS)}`)).text;
    expect(notice).not.toContain(XSS);
    const missing = await get(hono, `/invocations/${encodeURIComponent(XSS)}`);
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain(XSS);
  });

  it("tasks, workflows, runners, broker", async () => {
    const t = (await get(hono, "/tasks")).text;
    expect(t).toContain('id="chatty"');
    expect(t).toContain("maxRetries 0");
    expect(t).toMatch(/mean \d/);
    const w = (await get(hono, "/workflows")).text;
    expect(w).toContain("parentTask");
    expect(w).toMatch(/<td>3<\/td>/);
    const r = (await get(hono, "/runners")).text;
    expect(r).toContain(`id="${runnerId}"`);
    expect(r).toContain('data-runner-state="alive"');
    expect(r).toContain(`<td>${runner.pid}</td>`);
    const b = (await get(hono, "/broker")).text;
    expect(b).toMatch(/id="broker-depth">\d+</);
  });

  it("/metrics: invocations by status and task, durations, heartbeat age, queue depth", async () => {
    await get(hono, "/metrics");
    const inv = await tasks.add(1, 2);
    await inv.result();
    const { text, res } = await get(hono, "/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(text).toContain('nenc_invocations{task="echo",status="SUCCESS"} 1');
    expect(text).toContain('nenc_invocations{task="fail",status="FAILED"} 1');
    expect(text).toMatch(/nenc_queue_depth \d+/);
    expect(text).toMatch(
      new RegExp(
        `nenc_runner_heartbeat_age_seconds\\{runner="${runnerId}",kind="AsyncRunner",state="alive"\\} [\\d.]+`,
      ),
    );
    expect(text).toContain('nenc_runners{state="alive"} 1');
    expect(
      text,
      text
        .split("\n")
        .filter((l) => l.includes("_count"))
        .join("\n"),
    ).toMatch(/nenc_invocation_duration_seconds_count\{task="add",status="SUCCESS"\} [1-9]/);
    expect(text).toContain("nenc_recoveries_total 0");
  });

  it("mutations need POST, the same origin and the CSRF token", async () => {
    const page = (await get(hono, `/invocations/${ids.echo}`)).text;
    const token = csrfFrom(page);
    expect((await hono.request(`/invocations/${ids.echo}/rerun`)).status).toBe(404);
    expect((await postForm(hono, `/invocations/${ids.echo}/rerun`, {})).status).toBe(403);
    expect((await postForm(hono, `/invocations/${ids.echo}/rerun`, { _csrf: "0".repeat(48) })).status).toBe(403);
    const cross = await postForm(hono, `/invocations/${ids.echo}/rerun`, { _csrf: token }, "http://evil.example");
    expect(cross.status).toBe(403);
  });

  it("rerun registers the same task with the same arguments and links both", async () => {
    const token = csrfFrom((await get(hono, `/invocations/${ids.echo}`)).text);
    const res = await postForm(hono, `/invocations/${ids.echo}/rerun`, { _csrf: token });
    expect(res.status).toBe(303);
    const newId = res.headers.get("location")!.match(/\/invocations\/([^?]+)/)![1]!;
    expect(newId).not.toBe(ids.echo);
    expect(await app.getInvocation(newId, "echo").result({ timeoutMs: 20_000 })).toEqual({ echoed: XSS });
    await waitUntil(
      async () => (await get(hono, `/invocations/${newId}`)).text.includes(`rerun of ${ids.echo}`),
      5000,
      "log",
    );
    expect((await get(hono, `/invocations/${ids.echo}`)).text).toContain(`rerun as ${newId}`);
  });

  it("cancel ends a running invocation FAILED (NENC_CANCELLED); the runner's late write is refused", async () => {
    const inv = await tasks.sleepTask(1500, "to-cancel");
    await waitUntil(async () => (await inv.status()) === "RUNNING", 20_000, "RUNNING");
    const token = csrfFrom((await get(hono, `/invocations/${inv.id}`)).text);
    const res = await postForm(hono, `/invocations/${inv.id}/cancel`, { _csrf: token });
    expect(res.status).toBe(303);
    expect(decodeURIComponent(res.headers.get("location")!)).toContain("Cancelled.");
    const err = await inv.result({ timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).originalCode).toBe(ErrorCode.Cancelled);
    const before = await inv.history();
    expect(before.map((h) => h.status).slice(-3)).toEqual(["RUNNING", "CANCELLING", "FAILED"]);
    await runner.waitFor(new RegExp(`write refused for invocation ${inv.id} \\(SUCCESS`), 20_000);
    expect(await inv.history()).toEqual(before);
    const again = await postForm(hono, `/invocations/${inv.id}/cancel`, { _csrf: token });
    expect(decodeURIComponent(again.headers.get("location")!)).toContain(
      "Not cancelled: status-changed (status FAILED)",
    );
  });

  it("cancel of a queued invocation: no runner ever runs it", async () => {
    const { hono: h2 } = createMonitorApp(app);
    const other = new Nenc({ ...backend.options });
    const t2 = defineMonitorTasks(other);
    await freeze(runner, backend);
    try {
      const inv = await t2.sleepTask(10, "queued");
      const token = csrfFrom((await get(h2, `/invocations/${inv.id}`)).text);
      expect((await postForm(h2, `/invocations/${inv.id}/cancel`, { _csrf: token })).status).toBe(303);
      runner.proc.kill("SIGCONT");
      const err = await inv.result({ timeoutMs: 5000 }).catch((e: unknown) => e);
      expect((err as TaskFailedError).originalCode).toBe(ErrorCode.Cancelled);
      await new Promise((r) => setTimeout(r, 500));
      expect((await inv.history()).map((h) => h.status)).toEqual(["REGISTERED", "CANCELLING", "FAILED"]);
    } finally {
      runner.proc.kill("SIGCONT");
      await other.close();
    }
  });

  it("with a token: 401 without it, accepted as bearer or cookie", async () => {
    const { hono: locked } = createMonitorApp(app, { token: "s3cret" });
    expect((await locked.request("/")).status).toBe(401);
    expect((await locked.request("/", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect((await locked.request("/health", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    const first = await locked.request("/runners?token=s3cret");
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/runners");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    expect(first.headers.get("set-cookie")).toContain("HttpOnly");
    expect((await locked.request("/runners", { headers: { cookie } })).status).toBe(200);
  });

  it("binds 127.0.0.1 by default; any other address needs a token", async () => {
    expect(() => checkBind("0.0.0.0", undefined)).toThrow(ConfigError);
    expect(() => checkBind("0.0.0.0", "t")).not.toThrow();
    expect(() => checkBind("127.0.0.1", undefined)).not.toThrow();
    await expect(startMonitor(app, { host: "0.0.0.0", port: 0 })).rejects.toThrow(ConfigError);
    const m = await startMonitor(app, { port: 0 });
    try {
      expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${m.url}/health`);
      expect(res.status).toBe(200);
      const page = await fetch(`${m.url}/`);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    } finally {
      await m.close();
    }
  });
});
