/**
 * The monitor in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
 * a ThreadRunner process runs long tasks, is SIGKILLed, another runner recovers them, and the
 * timeline (already open, updating live) shows the dead lanes, the recovery arrows and the
 * invocations finished on the new lane. Then the detail page, cancel and rerun.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, Nenc, type TaskFailedError } from "../../src/index.js";
import { type RunningMonitor, startMonitor } from "../../src/monitor/server.js";
import { sqliteBackend, type TestBackend } from "../helpers/backends.js";
import { killAllRunners, type RunnerProcess, spawnRunner, waitUntil } from "../helpers/processes.js";
import { defineMonitorTasks } from "./fixture-tasks.js";
import { MONITOR_APP } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
// The README's screenshot is refreshed with NENC_UPDATE_SCREENSHOT=1; other runs leave the tree clean.
const SCREENSHOT = process.env.NENC_UPDATE_SCREENSHOT
  ? join(import.meta.dirname, "../../docs/timeline-recovery.png")
  : join(tmpdir(), `nenc-timeline-recovery-${process.pid}.png`);

// On a laptop without Chromium these tests are skipped; with CI=true (.ci/run installs it) a
// missing Chromium fails the run instead of hiding the browser tests.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === "true") {
  throw new Error(`${CHROMIUM} is missing; with CI=true the browser tests must run (apt-get install -y chromium)`);
}

describe.skipIf(!hasChromium)("monitor in headless Chromium (skipped without /usr/bin/chromium)", () => {
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ReturnType<typeof defineMonitorTasks>;
  let monitor: RunningMonitor;
  let browser: Browser;
  let page: Page;
  let b: RunnerProcess;
  let bId: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    backend = sqliteBackend();
    app = new Nenc(backend.options);
    tasks = defineMonitorTasks(app);
    monitor = await startMonitor(app, { port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
    await killAllRunners();
    await app?.purge();
    await app?.close();
  });

  it("timeline: dead runner, recovery arrows, invocations finished on the other lane (live, no reload)", async () => {
    const t0 = Date.now();
    const a = spawnRunner({ env: backend.env, app: MONITOR_APP, runner: "ThreadRunner", concurrency: 2 });
    const aId = (await a.waitFor(/ThreadRunner (\S+) started/))[1]!;
    const quick = await tasks.add(20, 22);
    await quick.result({ timeoutMs: 20_000 });
    const invs = await Promise.all([0, 1].map((i) => tasks.sleepTask(4000, `recover-${i}`)));
    await waitUntil(
      async () => (await Promise.all(invs.map((i) => i.status()))).every((s) => s === "RUNNING"),
      20_000,
      "both RUNNING on A",
    );
    await page.goto(`${monitor.url}/timeline?range=5m`);
    // timeline.js sets the width once (adds w=) and reloads.
    await page.waitForURL(/w=\d+/);
    await page.waitForSelector(`#timeline-svg .lane[data-lane="${aId}"][data-state="alive"]`);
    for (const inv of invs) await page.waitForSelector(`rect.bar.open[data-inv="${inv.id}"][data-status="RUNNING"]`);
    a.proc.kill("SIGKILL");
    await a.exited;
    b = spawnRunner({ env: backend.env, app: MONITOR_APP, runner: "AsyncRunner" });
    bId = (await b.waitFor(/AsyncRunner (\S+) started/))[1]!;
    const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 40_000 })));
    expect(results.map((r) => r.pid)).toEqual([b.pid, b.pid]);

    // The page was not reloaded: live updates brought the recovery in.
    for (const inv of invs) {
      const arrow = page.locator(`path.recovery-arrow[data-inv="${inv.id}"]`);
      await arrow.waitFor({ timeout: 20_000 });
      const from = await arrow.getAttribute("data-from");
      expect(await arrow.getAttribute("data-to")).toBe(bId);
      // The worker that ran it is a child lane of the killed ThreadRunner.
      expect(from).not.toBe(bId);
      await page.waitForSelector(`.lane[data-lane="${from}"][data-state="dead"]`);
      await page.waitForSelector(`rect.bar[data-inv="${inv.id}"][data-lane="${bId}"][data-status="SUCCESS"]`);
      await page.waitForSelector(`rect.bar[data-inv="${inv.id}"][data-lane="${from}"][data-status="RUNNING_RECOVERY"]`);
    }
    await page.waitForSelector(`.lane[data-lane="${aId}"][data-state="dead"]`);
    await page.waitForSelector(".dead-marker");
    expect(await page.locator(`.lane[data-lane="${bId}"]`).getAttribute("data-state")).toBe("alive");
    expect(await page.locator("#live-state").textContent()).toMatch(/live/);

    // Hovering a bar shows the invocation in the tooltip.
    await page.locator(`rect.bar[data-inv="${invs[0]!.id}"][data-lane="${bId}"]`).hover();
    await expect.poll(() => page.locator("#tooltip").textContent()).toContain(invs[0]!.id);
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    // For the README: the same timeline zoomed on the recovery.
    await page.goto(`${monitor.url}/timeline?from=${t0 - 1000}&to=${Date.now() + 1500}&w=1150`);
    await page.waitForSelector("path.recovery-arrow");
    await page.locator("main").screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.goto(`${monitor.url}/timeline?range=5m`);
    await page.waitForURL(/w=\d+/);

    // Clicking a bar opens the invocation: history through recovery and the task's log lines.
    await page.locator(`rect.bar[data-inv="${invs[0]!.id}"][data-lane="${bId}"]`).click();
    await page.waitForURL(new RegExp(`/invocations/${invs[0]!.id}`));
    const history = page.locator("section", { hasText: "Status history" });
    for (const s of ["RUNNING_RECOVERY", "REROUTED", "SUCCESS"])
      await expect.poll(() => history.textContent()).toContain(s);
    const log = page.locator("section", { hasText: "Task log" });
    await expect.poll(() => log.textContent()).toContain("sleeping 4000 ms (recover-0)");
  });

  it("drag across the timeline zooms into that range", async () => {
    await page.goto(`${monitor.url}/timeline?range=15m`);
    await page.waitForURL(/w=\d+/);
    const box = (await page.locator("#timeline-svg").boundingBox())!;
    await page.mouse.move(box.x + 400, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 600, box.y + 60, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/from=\d+&to=\d+/);
    const url = new URL(page.url());
    const span = Number(url.searchParams.get("to")) - Number(url.searchParams.get("from"));
    expect(span).toBeGreaterThan(0);
    expect(span).toBeLessThan(15 * 60_000);
  });

  it("cancel from the detail page: FAILED with NENC_CANCELLED, the runner's late write refused", async () => {
    const inv = await tasks.sleepTask(2000, "cancel-me");
    await waitUntil(async () => (await inv.status()) === "RUNNING", 20_000, "RUNNING on B");
    await page.goto(`${monitor.url}/invocations/${inv.id}`);
    await page.click("#cancel-button");
    await page.waitForSelector(".notice");
    expect(await page.locator(".notice").textContent()).toContain("Cancelled.");
    expect(await page.locator("h1 .badge").textContent()).toBe("FAILED");
    expect(await page.locator(".error-box").textContent()).toContain(ErrorCode.Cancelled);
    expect(await page.locator("#cancel-button").isDisabled()).toBe(true);
    const err = await inv.result({ timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((err as TaskFailedError).originalCode).toBe(ErrorCode.Cancelled);
    await b.waitFor(new RegExp(`write refused for invocation ${inv.id} \\(SUCCESS`), 20_000);
    expect((await inv.history()).at(-1)?.status).toBe("FAILED");
  });

  it("rerun from the detail page opens the new invocation, which finishes live", async () => {
    const XSS = "<script>alert(1)</script>";
    const inv = await tasks.echo(XSS);
    await inv.result({ timeoutMs: 20_000 });
    await page.goto(`${monitor.url}/invocations/${inv.id}`);
    expect(await page.locator("section", { hasText: "Arguments" }).textContent()).toContain(XSS);
    await page.click("#rerun-button");
    await page.waitForURL((u) => u.pathname.startsWith("/invocations/") && !u.pathname.endsWith(inv.id));
    const newId = new URL(page.url()).pathname.split("/").at(-1)!;
    await expect.poll(() => page.locator("h1 .badge").textContent(), { timeout: 20_000 }).toBe("SUCCESS");
    expect(await page.locator("#result").textContent()).toContain(XSS);
    expect(await page.locator("section", { hasText: "Task log" }).textContent()).toContain(`rerun of ${inv.id}`);
    expect(await app.getInvocation(newId).result()).toEqual({ echoed: XSS });
    expect(dialogs).toEqual([]);
  });
});
