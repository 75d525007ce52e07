/**
 * Bad input that must never crash a runner (issue 15, first part): tasks that throw non-Error
 * values, hostile task and queue names on the SQL engine, and two apps sharing one database.
 * In-process runners on an embedded SQLite file: nothing to start.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AsyncRunner, Nenc, TaskDefinitionError, TaskFailedError } from "../../src/index.js";

const file = join(mkdtempSync(join(tmpdir(), "nenc-bad-input-")), "db.sqlite");
const HOSTILE = `x'); DROP TABLE status; --"]]{}:`;

const app = new Nenc({ appId: "bad_input", backend: "sqlite", sqliteDbPath: file, logLevel: "silent" });
const other = new Nenc({ appId: "bad_input_other", backend: "sqlite", sqliteDbPath: file, logLevel: "silent" });

const throwsString = app.task(
  async () => {
    throw "plain string";
  },
  { name: "throwsString" },
);
const throwsObject = app.task(
  async () => {
    throw { reason: "an object", code: 7 };
  },
  { name: "throwsObject" },
);
const throwsUndefined = app.task(
  async () => {
    throw undefined;
  },
  { name: "throwsUndefined" },
);
const edgy = app.task(async (s: string) => `${s}!`, { name: "ns:job.v2-x", queue: "q:1.a-b" });
const ok = app.task(async () => "fine", { name: "ok" });
const returnsFunction = app.task(async () => () => 1, { name: "returnsFunction" });
const returnsSymbol = app.task(async () => ({ kind: Symbol("kind") }), { name: "returnsSymbol" });
const takesAnything = app.task(async (_x: unknown) => 1, { name: "takesAnything" });
const otherTask = other.task(async () => "other", { name: "ok" });

let runner: AsyncRunner;

beforeAll(async () => {
  runner = new AsyncRunner({ app, concurrency: 4 });
  await runner.start();
});

afterAll(async () => {
  await runner.stop();
  await app.purge();
  await other.purge();
  await app.close();
  await other.close();
});

describe("bad input never crashes a runner", () => {
  it("a task throwing a string, an object or undefined is FAILED with a readable reason; the runner keeps going", async () => {
    for (const [task, text] of [
      [throwsString, "plain string"],
      [throwsObject, "an object"],
      [throwsUndefined, "undefined"],
    ] as const) {
      const inv = await task();
      const err = await inv.result({ timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskFailedError);
      expect(String((err as TaskFailedError).message)).toContain(text);
      expect(await inv.status()).toBe("FAILED");
    }
    expect(await (await ok()).result({ timeoutMs: 20_000 })).toBe("fine");
  });

  it("a result that does not serialize is FAILED with the reason; the runner keeps going", async () => {
    for (const task of [returnsFunction, returnsSymbol]) {
      const inv = await task();
      const err = (await inv.result({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
      expect(err).toBeInstanceOf(TaskFailedError);
      expect(err.message).toMatch(new RegExp(`${task.id} result`));
    }
    expect(await (await ok()).result({ timeoutMs: 20_000 })).toBe("fine");
  });

  it("an argument that does not serialize is refused at the call; nothing is recorded", async () => {
    const before = (await app.findInvocations({ task: takesAnything.id })).length;
    await expect(takesAnything(() => 1)).rejects.toThrow(/takesAnything arguments/);
    await expect(takesAnything(Symbol("s"))).rejects.toThrow(/takesAnything arguments/);
    expect(await app.findInvocations({ task: takesAnything.id })).toHaveLength(before);
  });

  it("a task id or queue name with SQL or Lua metacharacters is refused at definition; the allowed punctuation runs as plain text", async () => {
    expect(() => app.task(async () => null, { name: HOSTILE })).toThrow(TaskDefinitionError);
    expect(() => app.task(async () => null, { name: "fine_name", queue: HOSTILE })).toThrow(/queue .* is not valid/);
    expect(() => app.event(HOSTILE)).toThrow(/Event name .* is not valid/);
    const inv = await edgy(HOSTILE);
    expect(await inv.result({ timeoutMs: 20_000 })).toBe(`${HOSTILE}!`);
    expect(await app.getInvocation(inv.id).status()).toBe("SUCCESS");
  });

  it("two apps on one database file never see each other's work", async () => {
    const mine = await ok();
    const theirs = await otherTask();
    expect(await mine.result({ timeoutMs: 20_000 })).toBe("fine");
    // No runner of the other app is up: its invocation stays unclaimed by this app's runner.
    await new Promise((r) => setTimeout(r, 500));
    expect(await theirs.status()).toBe("REGISTERED");
    expect(
      await other
        .getInvocation(mine.id)
        .status()
        .catch(() => null),
    ).not.toBe("SUCCESS");
  });
});
