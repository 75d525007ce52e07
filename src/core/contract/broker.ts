import type { ComponentLifecycle } from "./orchestrator.js";

export interface RouteRequest {
  id: string;
  /** Not delivered before this time (ms since epoch). */
  availableAt?: number | undefined;
  /**
   * Higher first: the combined broker priority (precedence class, then the user's priority;
   * see core/priorities.ts). Default 0.
   */
  priority?: number | undefined;
  /** The queue it waits in; runners claim from their queues only. Default "default". */
  queue?: string | undefined;
}

/**
 * What a claim saw of its queues, as of the moment it ran: `inMs` until work may be claimable
 * there (0: now; -1: nothing queued), and `mark`, the broker's own token of the wake-ups it had
 * received when the claim was sent (a wake-up since then means new work may have come).
 */
export interface NextWork {
  inMs: number;
  mark: string;
}

export interface Broker extends ComponentLifecycle {
  route(requests: readonly RouteRequest[]): Promise<void>;
  /**
   * Take up to `max` ready ids from `queues` (every queue when omitted or empty), highest
   * priority and oldest first across those queues; each id is delivered once.
   */
  claim(max: number, queues?: readonly string[]): Promise<string[]>;
  /** Which of `ids` are still queued (recovery re-routes REGISTERED work that is not). */
  queued(ids: readonly string[]): Promise<Set<string>>;
  depth(): Promise<number>;
  /**
   * Resolve when work may be available in `queues` (every queue when omitted or empty): at
   * once when some is ready, when new work is routed, when the earliest delayed message is
   * due, or after `timeoutMs`. `after`: what the claim just made saw of those queues
   * (ClaimedStart.next); a broker that can trust it waits without looking again.
   */
  waitForWork(timeoutMs: number, queues?: readonly string[], after?: NextWork): Promise<void>;
}
