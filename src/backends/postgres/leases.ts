import type { LeaseStore } from "../../core/contract/index.js";
import type { PostgresHandle } from "./pool.js";

/** Named leases with an expiry: a conditional upsert on the database's clock. */
export class PostgresLeases implements LeaseStore {
  private readonly sql: ReturnType<typeof leaseSql>;

  constructor(private readonly h: PostgresHandle) {
    this.sql = leaseSql(h.s);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.h.query("acquireLease", this.sql.lease, [name, holder, Math.round(ttlMs)])).length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.h.query("releaseLease", this.sql.releaseLease, [name, holder]);
  }
}

function leaseSql(s: string) {
  const now = `${s}.now_ms()`;
  return {
    lease: `INSERT INTO ${s}.leases AS l (name, holder, expires_at) VALUES ($1, $2, ${now} + $3)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE l.holder = excluded.holder OR l.expires_at <= ${now} RETURNING holder`,
    releaseLease: `DELETE FROM ${s}.leases WHERE name = $1 AND holder = $2`,
  };
}
