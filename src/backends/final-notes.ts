import type { HeardFinal, Outcome } from "../core/contract/index.js";
import { isFinal, isStatus } from "../core/status.js";
import { parseSettlement } from "./settlement-line.js";

/** Ids noted at most (the oldest go first: a wait on one of those reads, as without a note). */
const NOTES_MAX = 10_000;

/** How an engine's announcements reach FinalNotes. */
export interface AnnouncementFeed {
  /** A token of the announcements received so far, or null while the subscription is not confirmed. */
  mark(): string | null;
  /** Whether the subscription has held, unbroken (no announcement lost), since `mark` was taken. */
  heldSince(mark: string): boolean;
  /** Call `hear` with every announcement message from now on. */
  listen(hear: (message: string) => void): void;
  decodeOutcome(id: string, kind: string, value: string): Outcome | null;
}

interface Note {
  mark: string;
  /** A final status it was told of; "unknown" when told of a change without its status (read it). */
  heard?: HeardFinal | "unknown";
}

/**
 * What this process was told of its own registrations becoming final (ChangeFeed.noteFinals
 * and heardFinal), for engines whose announcement messages are lines `id \t status` or
 * `id \t status \t kind \t value` (settlement-line.ts), a bare `id` telling of some change.
 *
 * A caller that waits on its call's result right after registering it used to read it first,
 * in case it had become final before the wait began: on Redis a read per call on the caller's
 * side of the one-job path. Noted from just before the registration was sent, and with the
 * subscription unbroken since, the invocation cannot have become final unheard: the waiter then
 * only listens (its periodic read stays, as a guard).
 */
export class FinalNotes {
  private readonly notes = new Map<string, Note>();
  private listening = false;

  constructor(private readonly feed: AnnouncementFeed) {}

  note(ids: readonly string[]): void {
    const mark = this.feed.mark();
    if (mark === null) return;
    if (!this.listening) {
      this.listening = true;
      this.feed.listen((message) => this.hear(message));
    }
    for (const id of ids) {
      this.notes.delete(id);
      this.notes.set(id, { mark });
    }
    for (const id of this.notes.keys()) {
      if (this.notes.size <= NOTES_MAX) break;
      this.notes.delete(id);
    }
  }

  heard(id: string): HeardFinal | "pending" | null {
    const note = this.notes.get(id);
    if (!note) return null;
    this.notes.delete(id);
    if (note.heard === undefined) return this.feed.heldSince(note.mark) ? "pending" : null;
    return note.heard === "unknown" ? null : note.heard;
  }

  private hear(message: string): void {
    if (this.notes.size === 0) return;
    for (const line of message.split("\n")) {
      const cut = line.indexOf("\t");
      const note = this.notes.get(cut < 0 ? line : line.slice(0, cut));
      if (!note || note.heard !== undefined) continue;
      if (cut < 0) {
        note.heard = "unknown";
        continue;
      }
      const [id = "", status = ""] = line.split("\t", 2);
      if (!isStatus(status)) note.heard = "unknown";
      // Its outcome when the line carries one that decodes (else the waiter reads it).
      else if (isFinal(status)) note.heard = parseSettlement(line, this.feed.decodeOutcome) ?? { id, status };
    }
  }
}
