import type { ComponentLifecycle } from "./orchestrator.js";

export interface RouteRequest {
  id: string;
  /** Not delivered before this time (ms since epoch). */
  availableAt?: number | undefined;
  /** Higher first. Invocations others wait on are routed with a higher priority. */
  priority?: number | undefined;
}

export interface Broker extends ComponentLifecycle {
  route(requests: readonly RouteRequest[]): Promise<void>;
  /** Take up to `max` ready ids, highest priority and oldest first; each id is delivered once. */
  claim(max: number): Promise<string[]>;
  /** Which of `ids` are still queued (recovery re-routes REGISTERED work that is not). */
  queued(ids: readonly string[]): Promise<Set<string>>;
  depth(): Promise<number>;
  /** Resolve when work may be available, or after `timeoutMs`. */
  waitForWork(timeoutMs: number): Promise<void>;
}
