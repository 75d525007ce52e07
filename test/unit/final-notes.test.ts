/**
 * FinalNotes (backends/final-notes.ts): what a process was told of its own registrations
 * becoming final, and when it can vouch that nothing was missed. Driven by a scripted feed.
 */
import { describe, expect, it } from "vitest";
import { FinalNotes } from "../../src/backends/final-notes.js";

/** A scripted feed; `mark`: its subscription's token (null: not confirmed yet). */
function feed(mark: string | null = "1:0") {
  const state = { mark, held: true, hear: (_m: string) => {} };
  const notes = new FinalNotes({
    mark: () => state.mark,
    heldSince: () => state.held,
    listen: (hear) => {
      state.hear = hear;
    },
    decodeOutcome: (_id, kind, value) => (kind === "result" ? { kind: "result", value } : null),
  });
  return { state, notes, say: (m: string) => state.hear(m) };
}

describe("final notes", () => {
  it("note nothing before the subscription is confirmed: the waiter reads", () => {
    const { notes } = feed(null);
    notes.note(["a"]);
    expect(notes.heard("a")).toBeNull();
  });

  it("tell a final status heard since the note, with its outcome when announced", () => {
    const { notes, say } = feed();
    notes.note(["a", "b", "c"]);
    say("a\tREGISTERED\nb\tREGISTERED\nc\tREGISTERED");
    say("a\tRUNNING\nb\tSUCCESS\tresult\t42\nc\tFAILED");
    expect(notes.heard("a")).toBe("pending");
    expect(notes.heard("b")).toEqual({ id: "b", status: "SUCCESS", outcome: { kind: "result", value: "42" } });
    expect(notes.heard("c")).toEqual({ id: "c", status: "FAILED" });
    // Each note is given out once.
    expect(notes.heard("b")).toBeNull();
  });

  it("cannot vouch after a line without a status, an unknown status or a broken subscription", () => {
    const { state, notes, say } = feed();
    notes.note(["a", "b", "c"]);
    say("a\nb\tNOT_A_STATUS");
    expect(notes.heard("a")).toBeNull();
    expect(notes.heard("b")).toBeNull();
    state.held = false;
    expect(notes.heard("c")).toBeNull();
  });

  it("keep the newest ten thousand notes", () => {
    const { notes } = feed();
    notes.note(Array.from({ length: 10_001 }, (_, i) => `id${i}`));
    expect(notes.heard("id0")).toBeNull();
    expect(notes.heard("id1")).toBe("pending");
    expect(notes.heard("id10000")).toBe("pending");
  });
});
