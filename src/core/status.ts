/**
 * The invocation status state machine, declared once.
 *
 * Validation (`canTransition`), ownership rules, the docs table (`renderStatusTable`) and the
 * diagram (`renderStatusText`, `renderStatusSvg` in status-diagram.ts) are all derived from
 * `STATUS_TABLE`. Nothing else in nenc lists transitions.
 */

export const STATUSES = [
  "REGISTERED",
  "PENDING",
  "RUNNING",
  "PAUSED",
  "RESUMED",
  "RETRY",
  "WAITING",
  "SUCCESS",
  "FAILED",
  "KILLED",
  "REROUTED",
  "CONCURRENCY_CONTROLLED",
  "CONCURRENCY_CONTROLLED_FINAL",
  "PENDING_RECOVERY",
  "RUNNING_RECOVERY",
  "CANCELLING",
] as const;

export type Status = (typeof STATUSES)[number];

/**
 * What entering a status does to ownership.
 * - `acquire`: the runner making the transition becomes the owner and gets a new fencing token.
 * - `keep`: the owner stays; only the owner (with its current token) may make the transition.
 * - `override`: recovery takes the invocation from its (dead) owner; new fencing token.
 * - `release`: nobody owns the invocation afterwards.
 */
export type OwnershipEffect = "acquire" | "keep" | "override" | "release";

export interface StatusSpec {
  /** Statuses this one may move to. Empty for final statuses. */
  readonly next: readonly Status[];
  /** What entering this status does to ownership. */
  readonly onEnter: OwnershipEffect;
  /** Leaving this status requires the caller to be the owner holding the current token. */
  readonly leaveRequiresOwner: boolean;
  /** No transition leaves a final status; results are kept. */
  readonly final: boolean;
  /** Shown in docs and diagrams. */
  readonly doc: string;
}

export const INITIAL_STATUS: Status = "REGISTERED";

export const STATUS_TABLE: { readonly [S in Status]: StatusSpec } = {
  REGISTERED: {
    next: ["PENDING", "CONCURRENCY_CONTROLLED", "CONCURRENCY_CONTROLLED_FINAL", "CANCELLING"],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: false,
    doc: "Recorded and routed to the broker; waiting for a runner.",
  },
  PENDING: {
    next: ["RUNNING", "KILLED", "REROUTED", "PENDING_RECOVERY", "CANCELLING"],
    onEnter: "acquire",
    leaveRequiresOwner: true,
    final: false,
    doc: "Claimed by a runner (its owner), about to start.",
  },
  RUNNING: {
    // RUNNING_RECOVERY overrides ownership; the rest need the owner's token.
    next: ["PAUSED", "KILLED", "RETRY", "WAITING", "SUCCESS", "FAILED", "RUNNING_RECOVERY", "CANCELLING"],
    onEnter: "keep",
    leaveRequiresOwner: true,
    final: false,
    doc: "Executing on its owner runner.",
  },
  PAUSED: {
    // nenc adds PAUSED -> RUNNING_RECOVERY: a paused invocation of a dead runner is recovered.
    next: ["RESUMED", "KILLED", "RUNNING_RECOVERY", "CANCELLING"],
    onEnter: "keep",
    leaveRequiresOwner: true,
    final: false,
    doc: "Waiting for a sub-invocation; its runner slot is free.",
  },
  RESUMED: {
    // nenc adds RESUMED -> RUNNING_RECOVERY, for the same reason as PAUSED.
    next: ["PAUSED", "KILLED", "RETRY", "WAITING", "SUCCESS", "FAILED", "RUNNING_RECOVERY", "CANCELLING"],
    onEnter: "keep",
    leaveRequiresOwner: true,
    final: false,
    doc: "Running again after a pause.",
  },
  RETRY: {
    // A retry claimed while its running-concurrency scope is full is held back like a new call.
    next: ["PENDING", "CONCURRENCY_CONTROLLED", "CONCURRENCY_CONTROLLED_FINAL", "CANCELLING"],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: false,
    doc: "Failed with a retriable error; routed again after a backoff.",
  },
  WAITING: {
    // A workflow that suspended itself: routed again at its wake-up time (or when the child it
    // waits for ends), then replayed from its recorded steps.
    next: ["PENDING", "CONCURRENCY_CONTROLLED", "CONCURRENCY_CONTROLLED_FINAL", "CANCELLING"],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: false,
    doc: "A workflow sleeping or waiting for a child: holds no runner; routed again when it is due.",
  },
  SUCCESS: {
    next: [],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: true,
    doc: "Finished; the result is stored.",
  },
  FAILED: {
    next: [],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: true,
    doc: "Finished with an error; the error is stored.",
  },
  KILLED: {
    next: ["REROUTED", "CANCELLING"],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: false,
    doc: "Stopped by its runner (shutdown, lost child); rerouted at once.",
  },
  REROUTED: {
    next: ["PENDING", "CONCURRENCY_CONTROLLED", "CONCURRENCY_CONTROLLED_FINAL", "CANCELLING"],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: false,
    doc: "Sent back to the broker for any runner to claim.",
  },
  CONCURRENCY_CONTROLLED: {
    next: ["REROUTED", "CANCELLING"],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: false,
    doc: "Held back by a running-concurrency limit; rerouted when a slot of its scope frees.",
  },
  CONCURRENCY_CONTROLLED_FINAL: {
    next: [],
    onEnter: "release",
    leaveRequiresOwner: false,
    final: true,
    doc: "Not run: a duplicate registration (the call got the existing invocation), or blocked by a running-concurrency limit with rerouting off.",
  },
  PENDING_RECOVERY: {
    // Anyone may finish a recovery: a recoverer that died half-way is itself recovered.
    next: ["REROUTED", "CANCELLING"],
    onEnter: "override",
    leaveRequiresOwner: false,
    final: false,
    doc: "Taken from a dead or stuck owner before it started; being rerouted.",
  },
  RUNNING_RECOVERY: {
    next: ["REROUTED", "CANCELLING"],
    onEnter: "override",
    leaveRequiresOwner: false,
    final: false,
    doc: "Taken from a dead owner while running; being rerouted.",
  },
  CANCELLING: {
    // Every non-final status lists CANCELLING last, after its recovery status, so
    // `recoveryStatusFor` (the first override in `next`) still picks the recovery status.
    // Entering it overrides ownership with a new fencing token: the runner still executing the
    // invocation has its late write refused. The canceller moves it on to FAILED (error code
    // NENC_CANCELLED) in the same transition batch, so `result()` callers get a final status.
    next: ["FAILED"],
    onEnter: "override",
    leaveRequiresOwner: false,
    final: false,
    doc: "Cancelled (monitor or API): taken from its owner with a new fencing token; ends FAILED with NENC_CANCELLED.",
  },
};

export const FINAL_STATUSES: readonly Status[] = STATUSES.filter((s) => STATUS_TABLE[s].final);

/** Statuses a runner may claim from (the sources of transitions into an `acquire` status). */
export const CLAIMABLE_STATUSES: readonly Status[] = STATUSES.filter((s) =>
  STATUS_TABLE[s].next.some((n) => STATUS_TABLE[n].onEnter === "acquire"),
);

/** Non-final statuses held by an owner: the ones recovery looks at when that owner dies. */
export const OWNED_STATUSES: readonly Status[] = STATUSES.filter(
  (s) => STATUS_TABLE[s].onEnter === "acquire" || STATUS_TABLE[s].onEnter === "keep",
);

/** Statuses in which an execution is under way (they lead to SUCCESS): workflow steps are recorded only in them. */
export const EXECUTING_STATUSES: readonly Status[] = STATUSES.filter((s) => STATUS_TABLE[s].next.includes("SUCCESS"));

/**
 * Statuses that hold a running-concurrency slot of the invocation's scope: the owned ones
 * (claimed, running, paused, resumed). A claim (→ PENDING) counts them atomically.
 */
export const SLOT_HOLDING_STATUSES: readonly Status[] = STATUSES.filter((s) => OWNED_STATUSES.includes(s));

/** Statuses recovery moves through: they take ownership (override) and lead back to REROUTED. */
export const RECOVERY_STATUSES: readonly Status[] = STATUSES.filter(
  (s) => STATUS_TABLE[s].onEnter === "override" && STATUS_TABLE[s].next.includes("REROUTED"),
);

export function isStatus(value: unknown): value is Status {
  return typeof value === "string" && (STATUSES as readonly string[]).includes(value);
}

export function isFinal(status: Status): boolean {
  return STATUS_TABLE[status].final;
}

/**
 * Whether a status name read from an engine's wake-up message may be final: a final status, or
 * a name this code does not know (a newer version's; a waiter reads rather than miss it).
 */
export function mayBeFinal(name: string): boolean {
  return !isStatus(name) || isFinal(name);
}

export function canTransition(from: Status | null, to: Status): boolean {
  if (from === null) return to === INITIAL_STATUS;
  return STATUS_TABLE[from].next.includes(to);
}

/** The recovery status an owned status moves through when its owner is dead. */
export function recoveryStatusFor(from: Status): Status | null {
  return STATUS_TABLE[from].next.find((n) => RECOVERY_STATUSES.includes(n)) ?? null;
}

export type TransitionRefusal = "invalid-transition" | "not-owner" | "stale-token" | "status-changed" | "not-found";

export interface OwnershipState {
  status: Status;
  ownerId: string | null;
  token: number;
}

export interface OwnershipRequest {
  to: Status;
  runnerId: string | null;
  /** The fencing token the caller holds; required (and checked) when leaving an owner-held status. */
  token?: number | undefined;
  /** Compare-and-set: the statuses the caller expects the invocation to be in. */
  expectFrom?: readonly Status[] | undefined;
  /**
   * Compare-and-set on the fencing token too, whatever the target: a recovery expects the
   * token it read, so it cannot take work that another runner acquired since.
   */
  expectToken?: number | undefined;
}

/**
 * Pure decision shared by every backend: given the stored row and a request, either the new
 * ownership state or why it is refused. SQL and Lua backends encode the same rule in their
 * conditional writes; the conformance suite checks they agree with this function.
 */
export function decideTransition(
  current: OwnershipState,
  req: OwnershipRequest,
): { ok: true; next: OwnershipState } | { ok: false; reason: TransitionRefusal } {
  if (req.expectFrom && !req.expectFrom.includes(current.status)) {
    return { ok: false, reason: "status-changed" };
  }
  if (req.expectToken !== undefined && req.expectToken !== current.token) return { ok: false, reason: "stale-token" };
  if (!canTransition(current.status, req.to)) return { ok: false, reason: "invalid-transition" };
  const target = STATUS_TABLE[req.to];
  if (STATUS_TABLE[current.status].leaveRequiresOwner && target.onEnter !== "override") {
    if (current.ownerId === null || current.ownerId !== req.runnerId) {
      return { ok: false, reason: "not-owner" };
    }
    if (req.token !== current.token) {
      return { ok: false, reason: "stale-token" };
    }
  }
  switch (target.onEnter) {
    case "acquire":
    case "override":
      return {
        ok: true,
        next: { status: req.to, ownerId: req.runnerId, token: current.token + 1 },
      };
    case "keep":
      return { ok: true, next: { status: req.to, ownerId: current.ownerId, token: current.token } };
    case "release":
      return { ok: true, next: { status: req.to, ownerId: null, token: current.token } };
  }
}
