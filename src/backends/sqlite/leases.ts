import type { Database } from "better-sqlite3";
import type { LeaseStore } from "../../core/contract/index.js";

/** Named leases with an expiry: a conditional upsert takes a lease that is free, expired or ours. */
export class SQLiteLeases implements LeaseStore {
  private readonly sql: ReturnType<typeof leaseStatements>;

  constructor(db: Database, p: string) {
    this.sql = leaseStatements(db, p);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.sql.lease.run(name, holder, now + ttlMs, now).changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.sql.releaseLease.run(name, holder);
  }
}

function leaseStatements(db: Database, p: string) {
  return {
    lease: db.prepare(
      `INSERT INTO ${p}leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE ${p}leases.holder = excluded.holder OR ${p}leases.expires_at <= ?`,
    ),
    releaseLease: db.prepare(`DELETE FROM ${p}leases WHERE name = ? AND holder = ?`),
  };
}
