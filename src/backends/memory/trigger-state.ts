import type { TriggerState, TriggerStateStore } from "../../core/contract/index.js";
import type { MemoryStore } from "./store.js";

/** Trigger states in process memory, compare-and-set on their version. */
export class MemTriggerState implements TriggerStateStore {
  constructor(private readonly store: MemoryStore) {}

  async getTriggerStates(keys: readonly string[]): Promise<Map<string, TriggerState>> {
    const out = new Map<string, TriggerState>();
    for (const k of keys) {
      const st = this.store.triggerStates.get(k);
      if (st) out.set(k, { ...st });
    }
    return out;
  }

  async setTriggerState(key: string, value: string, expectVersion: number): Promise<boolean> {
    if ((this.store.triggerStates.get(key)?.version ?? 0) !== expectVersion) return false;
    this.store.triggerStates.set(key, { value, version: expectVersion + 1 });
    return true;
  }

  async backendNow(): Promise<number> {
    return Date.now();
  }
}
