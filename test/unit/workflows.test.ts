import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { appServices } from "../../src/app.js";
import {
  AsyncRunner,
  ErrorCode,
  type Invocation,
  Nenc,
  type TaskFailedError,
  type WorkflowContext,
  WorkflowError,
} from "../../src/index.js";
import { createMonitorApp } from "../../src/monitor/server.js";
import { get } from "../monitor/helpers.js";

const app = new Nenc({ appId: "unit_workflows", backend: "memory", logLevel: "silent" });

/** How many times each step body ran (the ledger of the in-process tests). */
const ran = new Map<string, number>();
const count = (key: string) => ran.set(key, (ran.get(key) ?? 0) + 1);

const reserve = app.task(
  async (orderId: string) => {
    count(`reserve ${orderId}`);
    return { id: `r-${orderId}` };
  },
  { name: "reserve" },
);
const ship = app.task(
  async (orderId: string, reservation: string) => {
    count(`ship ${orderId}`);
    return `${orderId}/${reservation}`;
  },
  { name: "ship" },
);

export const fulfil = app.workflow(
  async (wf, orderId: string) => {
    const reservation = await wf.run(reserve, orderId);
    const paymentId = wf.uuid();
    const charged = await wf.step("charge card", () => {
      count(`charge ${orderId}`);
      return { paymentId, cents: 500 };
    });
    await wf.set("stage", "charged");
    await wf.sleep(300);
    const shipped = await wf.run(ship, orderId, reservation.id);
    return { orderId, paymentId, charged, shipped, at: wf.now(), lucky: wf.random() };
  },
  { name: "fulfil" },
);

/** Its step order depends on something not recorded: a replay asks for another step. */
let flip = "first";
const fickle = app.workflow(
  async (wf) => {
    await wf.step(flip, () => 1);
    flip = "second";
    await wf.sleep(200);
    return "done";
  },
  { name: "fickle" },
);

const unserializable = app.workflow(async (wf) => wf.step("make a function", () => () => 1), {
  name: "unserializable",
});

let leaked: WorkflowContext | null = null;
const leaky = app.workflow(
  async (wf) => {
    leaked = wf;
    return wf.workflowId;
  },
  { name: "leaky" },
);

const child = app.workflow(async (wf, n: number) => ({ workflowId: wf.workflowId, n: await wf.step("n", () => n) }), {
  name: "child",
});
const own = app.workflow(async (wf) => wf.workflowId, { name: "own", forceNewWorkflow: true });
const parent = app.workflow(
  async (wf) => {
    const c = await wf.run(child, 2);
    const o = await wf.run(own);
    return { mine: wf.workflowId, child: c.workflowId, own: o };
  },
  { name: "parent" },
);

const napper = app.workflow(
  async (wf, ms: number) => {
    await wf.set("phase", "napping");
    await wf.sleep(ms);
    return "rested";
  },
  { name: "napper" },
);

const runner = new AsyncRunner({ app, concurrency: 4 });
beforeAll(async () => {
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await app.close();
});

describe("workflows (memory backend, in-process runner)", () => {
  it("runs its steps in order, records each once, sleeps without holding a runner, and keeps its data", async () => {
    const inv: Invocation<Awaited<ReturnType<typeof fulfil.fn>>> = await fulfil("o-1");
    const r = await inv.result({ timeoutMs: 20_000 });
    expect(r).toMatchObject({ orderId: "o-1", shipped: "o-1/r-o-1", charged: { cents: 500 } });
    expect(r.charged.paymentId).toBe(r.paymentId);
    expect(r.at).toBeInstanceOf(Date);
    expect(await fulfil.data(inv.id).get("stage")).toBe("charged");
    expect(await fulfil.data(inv.id).all()).toEqual({ stage: "charged" });
    // The sleep and the children's waits suspended it (WAITING) and it ran again, replaying:
    // every step body ran once.
    const statuses = (await inv.history()).map((h) => h.status);
    expect(statuses.filter((s) => s === "WAITING").length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === "RUNNING").length).toBeGreaterThanOrEqual(2);
    expect([ran.get("reserve o-1"), ran.get("charge o-1"), ran.get("ship o-1")]).toEqual([1, 1, 1]);
    const { orchestrator } = await appServices(app).components();
    const steps = await orchestrator.workflowSteps(inv.id);
    expect(steps.map((s) => `${s.stepNo} ${s.kind} ${s.name}`)).toEqual([
      "1 run reserve",
      "2 uuid ",
      "3 step charge card",
      "4 set stage",
      "5 sleep ",
      "6 run ship",
      "7 now ",
      "8 random ",
    ]);
    // Children are sub-invocations of the workflow, in its workflow.
    const children = await app.findInvocations({ parentId: inv.id });
    expect(children.map((c) => c.taskId).sort()).toEqual(["reserve", "ship"]);
  });

  it("the monitor shows a run's steps, its data and what it waits for", async () => {
    const inv = await napper(1500);
    await expect.poll(() => inv.status(), { timeout: 10_000 }).toBe("WAITING");
    const { hono } = createMonitorApp(app);
    const page = (await get(hono, `/invocations/${inv.id}`)).text;
    expect(page).toContain("Workflow steps");
    expect(page).toMatch(/data-waiting-for>sleeping until \S+ \(step 2\)</);
    expect(page).toMatch(/<span data-step="1">1<\/span>.*set.*phase/s);
    expect(page).toContain("Workflow data");
    expect(page).toContain("napping");
    expect(page).toContain(`/timeline?workflow=${inv.id}&range=1d`);
    expect(await inv.result({ timeoutMs: 20_000 })).toBe("rested");
    const done = (await get(hono, `/invocations/${inv.id}`)).text;
    expect(done).toMatch(/data-waiting-for>—</);
  });

  it("a replay that asks for another step fails with NonDeterminismError naming the step", async () => {
    const err = (await (await fickle()).result({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err.code).toBe(ErrorCode.TaskFailed);
    expect(err.originalName).toBe("NonDeterminismError");
    expect(err.message).toMatch(/Workflow step 1 was recorded as step "first" but the replay asked for step "second"/);
  });

  it("a step value that does not serialize fails the workflow, naming the step", async () => {
    const err = (await (
      await unserializable()
    )
      .result({ timeoutMs: 20_000 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(err.message).toMatch(/workflow step 1 \("make a function"\) result/);
  });

  it("wf used after the workflow returned is a clear error", async () => {
    await (await leaky()).result({ timeoutMs: 20_000 });
    expect(leaked).not.toBeNull();
    await expect(leaked!.step("late", () => 1)).rejects.toThrow(WorkflowError);
    await expect(leaked!.step("late", () => 1)).rejects.toThrow(/after the workflow \S+ returned/);
  });

  it("a workflow inside a workflow is a child workflow unless forceNewWorkflow", async () => {
    const inv = await parent();
    const r = await inv.result({ timeoutMs: 20_000 });
    expect(r.mine).toBe(inv.id);
    expect(r.child).toBe(inv.id); // inherits the workflow id
    expect(r.own).not.toBe(inv.id); // a workflow of its own
  });

  it("types: arguments and results flow through app.workflow", () => {
    expectTypeOf(fulfil).parameters.toEqualTypeOf<[orderId: string]>();
    expectTypeOf<Awaited<ReturnType<typeof fulfil>>>().toEqualTypeOf<
      Invocation<{
        orderId: string;
        paymentId: string;
        charged: { paymentId: string; cents: number };
        shipped: string;
        at: Date;
        lucky: number;
      }>
    >();
  });
});
