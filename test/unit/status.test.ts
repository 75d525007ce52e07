import { describe, expect, it } from "vitest";
import {
  CLAIMABLE_STATUSES,
  canTransition,
  decideTransition,
  FINAL_STATUSES,
  OWNED_STATUSES,
  RECOVERY_STATUSES,
  recoveryStatusFor,
  SLOT_HOLDING_STATUSES,
  STATUS_TABLE,
  STATUSES,
} from "../../src/core/status.js";
import { renderStatusSvg, renderStatusTable, renderStatusText } from "../../src/core/status-diagram.js";

describe("status state machine (one table)", () => {
  it("has pynenc's transitions, plus PAUSED/RESUMED -> RUNNING_RECOVERY, RUNNING -> WAITING (workflows), cancel from every non-final status and concurrency control from every claimable status", () => {
    const C = "CANCELLING";
    expect(STATUS_TABLE.REGISTERED.next).toEqual([
      "PENDING",
      "CONCURRENCY_CONTROLLED",
      "CONCURRENCY_CONTROLLED_FINAL",
      C,
    ]);
    expect(STATUS_TABLE.PENDING.next).toEqual(["RUNNING", "KILLED", "REROUTED", "PENDING_RECOVERY", C]);
    expect(STATUS_TABLE.RUNNING.next).toEqual([
      "PAUSED",
      "KILLED",
      "RETRY",
      "WAITING",
      "SUCCESS",
      "FAILED",
      "RUNNING_RECOVERY",
      C,
    ]);
    expect(STATUS_TABLE.WAITING.next).toEqual(["PENDING", "CONCURRENCY_CONTROLLED", "CONCURRENCY_CONTROLLED_FINAL", C]);
    expect(STATUS_TABLE.PAUSED.next).toEqual(["RESUMED", "KILLED", "RUNNING_RECOVERY", C]);
    expect(STATUS_TABLE.CANCELLING.next).toEqual(["FAILED"]);
    for (const s of STATUSES) if (!STATUS_TABLE[s].final && s !== C) expect(STATUS_TABLE[s].next).toContain(C);
    expect(STATUS_TABLE.KILLED.next).toEqual(["REROUTED", C]);
    // Every status a runner claims from can be held back by running concurrency instead.
    expect(STATUS_TABLE.RETRY.next).toEqual(["PENDING", "CONCURRENCY_CONTROLLED", "CONCURRENCY_CONTROLLED_FINAL", C]);
    expect(STATUS_TABLE.REROUTED.next).toEqual([
      "PENDING",
      "CONCURRENCY_CONTROLLED",
      "CONCURRENCY_CONTROLLED_FINAL",
      C,
    ]);
    expect(STATUS_TABLE.CONCURRENCY_CONTROLLED.next).toEqual(["REROUTED", C]);
    expect(FINAL_STATUSES).toEqual(["SUCCESS", "FAILED", "CONCURRENCY_CONTROLLED_FINAL"]);
  });

  it("every target is a declared status and finals have no exits", () => {
    for (const s of STATUSES) {
      for (const n of STATUS_TABLE[s].next) expect(STATUSES).toContain(n);
      if (STATUS_TABLE[s].final) expect(STATUS_TABLE[s].next).toEqual([]);
    }
  });

  it("derived sets follow the table", () => {
    expect([...CLAIMABLE_STATUSES].sort()).toEqual(["REGISTERED", "REROUTED", "RETRY", "WAITING"]);
    expect(SLOT_HOLDING_STATUSES).toEqual(["PENDING", "RUNNING", "PAUSED", "RESUMED"]);
    expect([...OWNED_STATUSES].sort()).toEqual(["PAUSED", "PENDING", "RESUMED", "RUNNING"]);
    expect([...RECOVERY_STATUSES].sort()).toEqual(["PENDING_RECOVERY", "RUNNING_RECOVERY"]);
    expect(recoveryStatusFor("PENDING")).toBe("PENDING_RECOVERY");
    expect(recoveryStatusFor("RUNNING")).toBe("RUNNING_RECOVERY");
    expect(recoveryStatusFor("PAUSED")).toBe("RUNNING_RECOVERY");
    expect(recoveryStatusFor("SUCCESS")).toBeNull();
    expect(recoveryStatusFor("REGISTERED")).toBeNull();
  });

  it("only REGISTERED starts an invocation", () => {
    expect(canTransition(null, "REGISTERED")).toBe(true);
    expect(canTransition(null, "PENDING")).toBe(false);
  });

  it("decideTransition: acquire, keep, override, release and their refusals", () => {
    const reg = { status: "REGISTERED" as const, ownerId: null, token: 0 };
    const p = decideTransition(reg, { to: "PENDING", runnerId: "a" });
    expect(p).toEqual({ ok: true, next: { status: "PENDING", ownerId: "a", token: 1 } });
    const pending = { status: "PENDING" as const, ownerId: "a", token: 1 };
    expect(decideTransition(pending, { to: "RUNNING", runnerId: "b", token: 1 })).toEqual({
      ok: false,
      reason: "not-owner",
    });
    expect(decideTransition(pending, { to: "RUNNING", runnerId: "a", token: 0 })).toEqual({
      ok: false,
      reason: "stale-token",
    });
    expect(decideTransition(pending, { to: "RUNNING", runnerId: "a", token: 1 })).toEqual({
      ok: true,
      next: { status: "RUNNING", ownerId: "a", token: 1 },
    });
    expect(decideTransition(pending, { to: "PENDING_RECOVERY", runnerId: "r" })).toEqual({
      ok: true,
      next: { status: "PENDING_RECOVERY", ownerId: "r", token: 2 },
    });
    expect(decideTransition(pending, { to: "SUCCESS", runnerId: "a", token: 1 })).toEqual({
      ok: false,
      reason: "invalid-transition",
    });
    expect(decideTransition(pending, { to: "RUNNING", runnerId: "a", token: 1, expectFrom: ["REGISTERED"] })).toEqual({
      ok: false,
      reason: "status-changed",
    });
    const running = { status: "RUNNING" as const, ownerId: "a", token: 1 };
    expect(decideTransition(running, { to: "SUCCESS", runnerId: "a", token: 1 })).toEqual({
      ok: true,
      next: { status: "SUCCESS", ownerId: null, token: 1 },
    });
  });

  it("docs and diagrams are drawn from the table", () => {
    const table = renderStatusTable();
    const text = renderStatusText();
    const svg = renderStatusSvg();
    for (const s of STATUSES) {
      expect(table).toContain(`| ${s} |`);
      expect(text).toContain(s);
      expect(svg).toContain(`>${s}</text>`);
    }
    const arrows = STATUSES.reduce((n, s) => n + STATUS_TABLE[s].next.length, 0);
    expect(svg.match(/<path d="M[\d.]+,[\d.]+ Q/g)?.length).toBe(arrows);
  });
});
