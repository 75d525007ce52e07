/** The monitor reads only through the backend contract: the same routes work on the memory backend. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shortId } from "../../src/core/ids.js";
import { AsyncRunner, Nenc } from "../../src/index.js";
import { fmtTime } from "../../src/monitor/format.js";
import { createMonitorApp } from "../../src/monitor/server.js";
import { testAppId } from "../helpers/backends.js";
import { defineMonitorTasks } from "./fixture-tasks.js";
import { csrfFrom, get, postForm } from "./helpers.js";

describe("monitor on the memory backend (in-process AsyncRunner)", () => {
  const app = new Nenc({ backend: "memory", appId: testAppId("mon"), logLevel: "warn" });
  const tasks = defineMonitorTasks(app);
  const runner = new AsyncRunner({ app });
  const { hono } = createMonitorApp(app);
  let parentId = "";

  beforeAll(async () => {
    await runner.start();
    const parent = await tasks.parentTask(2);
    await parent.result({ timeoutMs: 10_000 });
    parentId = parent.id;
  });

  afterAll(async () => {
    await runner.stop();
  });

  it("every route answers", async () => {
    const paths = ["/", "/health", "/timeline?range=5m", "/invocations", `/invocations/${parentId}`, "/tasks"];
    for (const p of [...paths, "/workflows", "/runners", "/broker", "/metrics", "/static/live.js"]) {
      expect((await get(hono, p)).status, p).toBe(200);
    }
    expect((await get(hono, "/static/../../package.json")).status).toBe(404);
    const timeline = (await get(hono, "/timeline?range=5m")).text;
    expect(timeline).toContain(`data-lane="${runner.id}"`);
    expect((timeline.match(/class="bar" data-inv=/g) ?? []).length).toBe(3);
  });

  it("rerun and cancel", async () => {
    const token = csrfFrom((await get(hono, `/invocations/${parentId}`)).text);
    const res = await postForm(hono, `/invocations/${parentId}/rerun`, { _csrf: token });
    const newId = res.headers.get("location")!.match(/\/invocations\/([^?]+)/)![1]!;
    expect(await app.getInvocation(newId).result({ timeoutMs: 10_000 })).toBe(3);
    const long = await tasks.sleepTask(60_000, "cancel-memory");
    const cancel = await postForm(hono, `/invocations/${long.id}/cancel`, { _csrf: token });
    expect(cancel.status).toBe(303);
    expect(await long.status()).toBe("FAILED");
  });

  it("a delayed invocation shows as scheduled with its time, its queue and priority", async () => {
    const runAt = new Date(Date.now() + 3_600_000);
    const later = await tasks.sleepTask.with({ runAt, queue: "nightly", priority: 3 })(1, "scheduled");
    const page = (await get(hono, `/invocations/${later.id}`)).text;
    expect(page).toContain(`scheduled for ${fmtTime(runAt.getTime())}`);
    expect(page).toContain("<dt>queue</dt><dd>nightly</dd>");
    expect(page).toContain("<dt>priority</dt><dd>3</dd>");
    const list = (await get(hono, "/invocations?status=REGISTERED")).text;
    expect(list).toContain(shortId(later.id));
    expect(list).toContain("scheduled for");
    // A finished invocation is not "scheduled".
    expect((await get(hono, `/invocations/${parentId}`)).text).not.toContain("scheduled for");
    await later.cancel("test over");
  });

  it("the token redirect never leaves the monitor's host", async () => {
    const { hono: locked } = createMonitorApp(app, { token: "t" });
    const res = await locked.request("http://localhost//evil.example/x?token=t");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/evil.example/x");
  });
});
