/**
 * The SQLite file's disk made full under a running runner (a real process) and a caller: the
 * caller gets a clear BackendError and nothing of its call is recorded, the runner logs a
 * clear error and retries its writes without crashing or dropping an outcome, and once there
 * is space again every invocation completes with a history valid in the status table. A
 * file system that is read-only from the start stops the runner with a clear error.
 *
 * The disks are small tmpfs mounts made for the test (root only: a read-only file or folder
 * does not stop root, a mount does). A read-only remount mid-run is refused by the kernel while
 * the runner has the file open for writing (EBUSY), so that case is not reproducible here.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { canTransition } from "../../src/core/status.js";
import { BackendError, Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import { sqliteBackend } from "../helpers/backends.js";
import { killAllRunners, spawnRunner, waitUntil } from "../helpers/processes.js";

const mountPoint = mkdtempSync(join(tmpdir(), "nenc-disk-"));

function mount(): string | null {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint], { stdio: "pipe" });
    return null;
  } catch (err) {
    return (err as Error).message.split("\n")[0] ?? "mount failed";
  }
}

const cannotMount = mount();
if (cannotMount && process.env.CI === "true") {
  throw new Error(`cannot mount a tmpfs for the disk tests (${cannotMount}); CI runs as root and must run them`);
}

/** Fill the disk: one file growing until the write fails with ENOSPC. */
function fillDisk(file: string): void {
  const chunk = Buffer.alloc(256 * 1024);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(`${file}.${i}`, chunk);
    } catch {
      return;
    }
  }
}

// Without root (a laptop) the suite is skipped, its reason in the title; under CI=true it throws above.
const title = "the SQLite disk full mid-run, or read-only";
(cannotMount ? describe.skip : describe)(
  cannotMount ? `${title} (skipped: cannot mount a tmpfs: ${cannotMount})` : title,
  () => {
    const backend = sqliteBackend({ sqliteDbPath: join(mountPoint, "nenc.sqlite") });
    const app = new Nenc({ ...backend.options, logLevel: "silent" });
    const tasks = defineTasks(app);

    beforeAll(async () => {
      await app.purge();
    });
    afterEach(async () => {
      await killAllRunners();
    });
    afterAll(async () => {
      await app.close();
      try {
        execFileSync("umount", [mountPoint], { stdio: "pipe" });
      } catch {
        // already gone
      }
      rmSync(mountPoint, { recursive: true, force: true });
    });

    async function allValid(ids: string[]): Promise<void> {
      for (const id of ids) {
        const history = (await app.getInvocation(id).history()).map((h) => h.status);
        const invalid = history.some((to, i) => !canTransition(i === 0 ? null : (history[i - 1] ?? null), to));
        expect(invalid, `${id}: ${history.join(" ")}`).toBe(false);
        expect(history.at(-1)).toBe("SUCCESS");
      }
    }

    /**
     * Work in flight on a runner when the disk breaks; a call made while it is broken is refused
     * with a BackendError saying why and leaves no record; once repaired, everything completes.
     */
    async function scenario(tag: string, breakDisk: () => void, repairDisk: () => void, why: RegExp): Promise<void> {
      const runner = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await runner.waitFor(/AsyncRunner \S+ started/);
      const before = (await app.findInvocations({ limit: 1000 })).length;
      const inFlight = await Promise.all(Array.from({ length: 40 }, (_, i) => tasks.sleepTask(1500, `${tag}-${i}`)));
      await waitUntil(
        async () => (await Promise.all(inFlight.map((inv) => inv.status()))).every((s) => s === "RUNNING"),
        20_000,
        "all RUNNING",
      );
      breakDisk();
      let refused: unknown = null;
      for (let i = 0; i < 200 && !refused; i++) {
        try {
          await tasks.sleepTask(1, `${tag}-refused-${i}`);
        } catch (err) {
          refused = err;
        }
      }
      expect(refused).toBeInstanceOf(BackendError);
      expect((refused as Error).message).toMatch(why);
      // The runner logs the failure and keeps going (it neither crashes nor drops the outcomes).
      await runner.waitFor(/could not record the outcome of \S+ \(attempt \d+\); trying again/, 20_000);
      expect(runner.proc.exitCode).toBeNull();
      repairDisk();
      let statuses: string[] = [];
      await waitUntil(
        async () => {
          statuses = await Promise.all(inFlight.map((inv) => inv.status()));
          return statuses.every((s) => s === "SUCCESS");
        },
        30_000,
        () => `all SUCCESS (statuses: ${statuses.join(" ")}; runner: ${runner.output().slice(-3000)})`,
      );
      await allValid(inFlight.map((inv) => inv.id));
      // Only what was in flight was recorded, plus at most the calls that landed before the break.
      const recorded = await app.findInvocations({ limit: 1000 });
      const refusedTags = await Promise.all(
        recorded.filter((inv) => !inFlight.some((f) => f.id === inv.id)).map((inv) => inv.status()),
      );
      expect(recorded.length - before - inFlight.length).toBe(refusedTags.length);
      expect(refusedTags.every((s) => s === "SUCCESS")).toBe(true);
    }

    it("disk full: the caller gets a BackendError, the runner retries its writes, all work completes once space is back", async () => {
      const filler = join(mountPoint, "filler");
      await scenario(
        "full",
        () => fillDisk(filler),
        () => {
          for (const f of readdirSync(mountPoint)) if (f.startsWith("filler.")) rmSync(join(mountPoint, f));
        },
        /SQLITE_FULL.*disk is full/,
      );
    });

    it("read-only from the start: the runner exits non-zero with a clear error naming the read-only file system", async () => {
      // A read-only remount needs no file open for writing on it: a second, idle file system.
      const roMount = mkdtempSync(join(tmpdir(), "nenc-ro-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", roMount], { stdio: "pipe" });
      try {
        const ro = sqliteBackend({ sqliteDbPath: join(roMount, "nenc.sqlite") });
        const seeded = new Nenc({ ...ro.options, logLevel: "silent" });
        await seeded.purge();
        await seeded.close();
        execFileSync("mount", ["-o", "remount,ro", roMount], { stdio: "pipe" });
        const runner = spawnRunner({ env: ro.env, runner: "AsyncRunner" });
        const exit = await runner.exited;
        expect(exit.code).not.toBe(0);
        expect(runner.output()).toMatch(/NENC_BACKEND/);
        expect(runner.output()).toMatch(/read-only/);
      } finally {
        execFileSync("umount", [roMount], { stdio: "pipe" });
        rmSync(roMount, { recursive: true, force: true });
      }
    });
  },
);
