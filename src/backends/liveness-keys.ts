import { deadAfterMs } from "../config/resolve.js";
import type { NencConfig } from "../config/schema.js";

/** FNV-1a over UTF-8, folded to a positive 31-bit integer (a PostgreSQL int4 advisory-lock key). */
export function key31(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

/** Runners whose session can be checked: not stopped, top level (workers live and die with their parent). */
export function sessionCandidates<R extends { parentId: string | null; stoppedAt: number | null }>(
  runners: readonly R[],
): R[] {
  return runners.filter((r) => r.parentId === null && r.stoppedAt === null);
}

/**
 * After a server restart every session is gone at once: sessions are not judged until the
 * server has been up this long (every live runner has reconnected by then); the heartbeat
 * decides meanwhile.
 */
export function restartGraceMs(config: NencConfig): number {
  return Math.max(15_000, deadAfterMs(config));
}
