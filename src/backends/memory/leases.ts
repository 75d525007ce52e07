import type { LeaseStore } from "../../core/contract/index.js";
import type { MemoryStore } from "./store.js";

/** Named leases with an expiry, in process memory. */
export class MemLeases implements LeaseStore {
  constructor(private readonly store: MemoryStore) {}

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const lease = this.store.leases.get(name);
    if (lease && lease.holder !== holder && lease.expiresAt > now) return false;
    this.store.leases.set(name, { holder, expiresAt: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.store.leases.get(name)?.holder === holder) this.store.leases.delete(name);
  }
}
