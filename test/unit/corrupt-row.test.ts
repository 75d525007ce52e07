import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { AsyncRunner, CorruptRecordError, ErrorCode, Nenc, TaskFailedError } from "../../src/index.js";

const path = join(mkdtempSync(join(tmpdir(), "nenc-corrupt-")), "db.sqlite");
const app = new Nenc({ appId: "corrupt", backend: "sqlite", sqliteDbPath: path, logLevel: "silent" });
const echo = app.task(async (v: string) => v, { name: "echo" });
const raw = new Database(path);

afterAll(async () => {
  raw.close();
  await app.close();
});

describe("a corrupt row gets a clear error and loses nothing", () => {
  it("undecodable arguments: that invocation FAILS with NENC_CORRUPT_RECORD, the runner keeps going", async () => {
    const bad = await echo("fine");
    raw.prepare("UPDATE corrupt_invocations SET args = '{oops' WHERE id = ?").run(bad.id);
    const good = await echo("next");
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      const err = (await bad.result({ timeoutMs: 10_000 }).catch((e: unknown) => e)) as TaskFailedError;
      expect(err).toBeInstanceOf(TaskFailedError);
      expect(err.originalCode).toBe(ErrorCode.CorruptRecord);
      expect(err.message).toContain(bad.id);
      expect(await good.result({ timeoutMs: 10_000 })).toBe("next");
      // The bad row is left as it was, for inspection.
      expect(raw.prepare("SELECT args FROM corrupt_invocations WHERE id = ?").get(bad.id)).toEqual({ args: "{oops" });
    } finally {
      await runner.stop();
    }
  });

  it("an unknown status in a row is a CorruptRecordError naming the invocation", async () => {
    const inv = await echo("x");
    raw.prepare("UPDATE corrupt_status SET status = 'BOGUS' WHERE id = ?").run(inv.id);
    const err = await inv.status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).message).toContain(inv.id);
    expect(raw.prepare("SELECT status FROM corrupt_status WHERE id = ?").get(inv.id)).toEqual({ status: "BOGUS" });
  });

  it("an undecodable stored result: result() rejects with a CorruptRecordError naming it; others are unaffected", async () => {
    const bad = await echo("to break");
    const other = await echo("untouched");
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      expect(await bad.result({ timeoutMs: 10_000 })).toBe("to break");
      raw.prepare("UPDATE corrupt_outcomes SET value = '{oops' WHERE id = ?").run(bad.id);
      const err = await bad.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptRecordError);
      expect((err as CorruptRecordError).message).toContain(bad.id);
      expect(await bad.status()).toBe("SUCCESS");
      expect(await other.result({ timeoutMs: 10_000 })).toBe("untouched");
    } finally {
      await runner.stop();
    }
  });

  it("a history row with an unknown status: history() is a CorruptRecordError naming the invocation", async () => {
    const inv = await echo("h");
    raw.prepare("UPDATE corrupt_history SET status = 'BOGUS' WHERE invocation_id = ? AND seq = 1").run(inv.id);
    const err = await inv.history().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).message).toContain(inv.id);
    expect(await inv.status()).toBe("REGISTERED");
  });

  it("a queue row naming no invocation is dropped when claimed; the runner keeps going", async () => {
    raw
      .prepare("INSERT INTO corrupt_queue (id, priority, available_at, queue) VALUES (?, 0, 0, 'default')")
      .run("ghost");
    const good = await echo("after garbage");
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      expect(await good.result({ timeoutMs: 10_000 })).toBe("after garbage");
      await expect
        .poll(() => raw.prepare("SELECT count(*) AS n FROM corrupt_queue WHERE id = 'ghost'").get(), {
          timeout: 10_000,
        })
        .toEqual({ n: 0 });
    } finally {
      await runner.stop();
    }
  });

  it("a queued invocation with an unknown status is left out of its claim batch; the others start at once", async () => {
    // No pending pass within the test: only the runner's own handling can start `good`.
    const strict = new Nenc({
      appId: "corrupt",
      backend: "sqlite",
      sqliteDbPath: path,
      logLevel: "silent",
      maxPendingSeconds: 600,
    });
    const strictEcho = strict.task(async (v: string) => v, { name: "echo" });
    const broken = await strictEcho("broken");
    raw.prepare("UPDATE corrupt_status SET status = 'BOGUS' WHERE id = ?").run(broken.id);
    const good = await strictEcho("good");
    const runner = new AsyncRunner({ app: strict });
    await runner.start();
    try {
      expect(await good.result({ timeoutMs: 10_000 })).toBe("good");
      expect(raw.prepare("SELECT status FROM corrupt_status WHERE id = ?").get(broken.id)).toEqual({ status: "BOGUS" });
      expect(raw.prepare("SELECT count(*) AS n FROM corrupt_queue WHERE id = ?").get(broken.id)).toEqual({ n: 0 });
    } finally {
      await runner.stop();
      raw.prepare("UPDATE corrupt_status SET status = 'FAILED' WHERE id = ?").run(broken.id);
    }
  });
});
