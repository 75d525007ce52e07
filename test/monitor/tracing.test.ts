/**
 * OpenTelemetry spans for register, run and recover, recorded by a tiny in-memory tracer
 * registered through @opentelemetry/api (no SDK needed), with an AsyncLocalStorage context
 * manager so in-process nesting is visible.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import {
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { AsyncRunner, Nenc } from "../../src/index.js";
import { recoverStalePending } from "../../src/recovery/recovery-pass.js";
import { testAppId } from "../helpers/backends.js";
import { waitUntil } from "../helpers/processes.js";
import { defineMonitorTasks } from "./fixture-tasks.js";

interface Recorded {
  name: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Attributes;
  status: SpanStatus | undefined;
  ended: boolean;
}

const recorded: Recorded[] = [];

class RecordingSpan implements Span {
  constructor(
    private readonly ctx: SpanContext,
    private readonly rec: Recorded,
  ) {}
  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.rec.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.rec.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.rec.status = status;
    return this;
  }
  updateName(name: string): this {
    this.rec.name = name;
    return this;
  }
  end(): void {
    this.rec.ended = true;
  }
  isRecording(): boolean {
    return !this.rec.ended;
  }
  recordException(): void {}
}

class RecordingTracer implements Tracer {
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = trace.getSpanContext(ctx);
    const spanContext: SpanContext = {
      traceId: parent?.traceId ?? randomBytes(16).toString("hex"),
      spanId: randomBytes(8).toString("hex"),
      traceFlags: 1,
    };
    const rec: Recorded = {
      name,
      spanId: spanContext.spanId,
      parentSpanId: parent?.spanId,
      attributes: { ...options.attributes },
      status: undefined,
      ended: false,
    };
    recorded.push(rec);
    return new RecordingSpan(spanContext, rec);
  }
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.at(-1) as (span: Span) => ReturnType<F>;
    const options = (rest.length > 1 ? rest[0] : {}) as SpanOptions;
    const ctx = (rest.length > 2 ? rest[1] : context.active()) as Context;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), fn, undefined, span) as ReturnType<F>;
  }
}

class AlsContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

const provider: TracerProvider = { getTracer: () => new RecordingTracer() };

describe("OpenTelemetry spans", () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AlsContextManager());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  const byName = (name: string, id: string) =>
    recorded.filter((s) => s.name === name && s.attributes["nenc.invocation_id"] === id);

  it("register and run spans link a parent invocation to its children", async () => {
    const app = new Nenc({ backend: "memory", appId: testAppId("otel"), logLevel: "warn" });
    const tasks = defineMonitorTasks(app);
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      const parent = await tasks.parentTask(2);
      expect(await parent.result({ timeoutMs: 10_000 })).toBe(3);
      await waitUntil(async () => byName("nenc.run", parent.id).some((s) => s.ended), 5000, "parent run span ended");
      const [register] = byName("nenc.register", parent.id);
      const [run] = byName("nenc.run", parent.id);
      expect(register?.attributes["nenc.task_id"]).toBe("parentTask");
      expect(register?.attributes["nenc.parent_invocation_id"]).toBeUndefined();
      expect(run?.attributes["nenc.runner_id"]).toBe(runner.id);
      const childRegisters = recorded.filter(
        (s) => s.name === "nenc.register" && s.attributes["nenc.parent_invocation_id"] === parent.id,
      );
      expect(childRegisters).toHaveLength(2);
      // Registered inside the parent's run: children of its span, in its workflow.
      for (const s of childRegisters) {
        expect(s.parentSpanId).toBe(run?.spanId);
        expect(s.attributes["nenc.workflow_id"]).toBe(parent.id);
        const [childRun] = byName("nenc.run", String(s.attributes["nenc.invocation_id"]));
        expect(childRun?.attributes["nenc.parent_invocation_id"]).toBe(parent.id);
        expect(childRun?.ended).toBe(true);
      }
    } finally {
      await runner.stop();
    }
  });

  it("a failing task's run span ends with an error status", async () => {
    const app = new Nenc({ backend: "memory", appId: testAppId("otel"), logLevel: "silent" });
    const tasks = defineMonitorTasks(app);
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      const inv = await tasks.fail("traced");
      await inv.result({ timeoutMs: 10_000 }).catch(() => undefined);
      await waitUntil(async () => byName("nenc.run", inv.id).some((s) => s.ended), 5000, "run span ended");
      expect(byName("nenc.run", inv.id)[0]?.status?.message).toBe("traced");
    } finally {
      await runner.stop();
    }
  });

  it("a recovery pass is a span", async () => {
    const app = new Nenc({ backend: "memory", appId: testAppId("otel"), logLevel: "silent" });
    const c = await appServices(app).components();
    await c.orchestrator.register([
      { id: "stuck", taskId: "t", args: "[]", parentId: null, workflowId: "stuck", createdAt: Date.now() },
    ]);
    await c.orchestrator.transition([{ id: "stuck", to: "PENDING", runnerId: "ghost" }]);
    await new Promise((r) => setTimeout(r, 5));
    const report = await recoverStalePending({ ...c, runnerId: "recoverer", logger: app.logger }, 1);
    expect(report.recovered).toEqual(["stuck"]);
    const span = recorded.find((s) => s.name === "nenc.recover");
    expect(span?.attributes).toMatchObject({ "nenc.runner_id": "recoverer", "nenc.invocation_count": 1 });
    expect(span?.ended).toBe(true);
    await app.close();
  });
});
