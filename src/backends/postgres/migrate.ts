import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BackendError, ConfigError } from "../../errors/index.js";
import type { Queryable } from "./queryable.js";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

interface Migration {
  version: number;
  name: string;
  sql: string;
}

function migrationFiles(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort()
    .map((name) => ({
      version: Number(name.slice(0, 4)),
      name,
      sql: readFileSync(join(MIGRATIONS_DIR, name), "utf8"),
    }));
}

const SQL = {
  lock: "SELECT pg_advisory_xact_lock(hashtext($1))",
  createSchema: (s: string) => `CREATE SCHEMA IF NOT EXISTS ${s}`,
  createTable: (s: string) =>
    `CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  versions: (s: string) => `SELECT version FROM ${s}.migrations`,
  record: (s: string) => `INSERT INTO ${s}.migrations (version, name) VALUES ($1, $2)`,
  claimApp: (s: string) => `INSERT INTO ${s}.meta (key, value) VALUES ('app_id', $1) ON CONFLICT (key) DO NOTHING`,
  appId: (s: string) => `SELECT value FROM ${s}.meta WHERE key = 'app_id'`,
};

/**
 * Apply the numbered migrations to `schema` once, in one transaction holding an advisory
 * lock on the schema's name (concurrent starters wait, then find nothing to do). A schema at
 * a newer version than this code knows, or owned by another app, is refused.
 */
export async function migrate(client: Queryable, schema: string, appId: string): Promise<void> {
  const s = `"${schema}"`;
  const files = migrationFiles();
  const known = Math.max(0, ...files.map((f) => f.version));
  await client.query("BEGIN");
  try {
    await client.query(SQL.lock, [`nenc:migrate:${schema}`]);
    await client.query(SQL.createSchema(s));
    await client.query(SQL.createTable(s));
    const done = new Set((await client.query<{ version: number }>(SQL.versions(s))).rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new BackendError(
        `PostgreSQL schema ${schema} is at version ${newest}, newer than this nenc knows (${known}). ` +
          "Upgrade nenc, or point postgresSchema at another schema.",
      );
    }
    for (const m of files) {
      if (done.has(m.version)) continue;
      await client.query(m.sql.replaceAll("{{s}}", s));
      await client.query(SQL.record(s), [m.version, m.name]);
    }
    await client.query(SQL.claimApp(s), [appId]);
    const owner = (await client.query<{ value: string }>(SQL.appId(s))).rows[0]?.value;
    if (owner !== appId) {
      throw new ConfigError(
        `PostgreSQL schema ${schema} belongs to app "${owner}", not "${appId}". Give each app its own schema (postgresSchema).`,
        "postgresSchema",
        "resolved config",
      );
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
