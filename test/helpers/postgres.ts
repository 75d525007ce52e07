import pg from "pg";
import { schemaName } from "../../src/backends/postgres/pool.js";
import { defaultConfig, type NencConfigInput } from "../../src/config/schema.js";
import { FAST_RECOVERY, type TestBackend, testAppId, toEnv } from "./backends.js";

export const POSTGRES_TEST_URL = process.env.NENC__POSTGRES_URL || defaultConfig().postgresUrl;

/** The schema an app id's tables live in (the backend's default naming). */
export function schemaOf(appId: string): string {
  return schemaName({ ...defaultConfig(), appId });
}

/** Drop the schemas of these app ids (and everything in them). */
export async function dropSchemas(appIds: Iterable<string>): Promise<void> {
  const names = [...new Set([...appIds].map(schemaOf))];
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    for (const n of names) await client.query(`DROP SCHEMA IF EXISTS "${n}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** End every server session of this app's connections (pool, LISTEN, runner sessions): a network blip. */
export async function dropAppConnections(appId: string): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1 AND pid <> pg_backend_pid()",
      [`%:${schemaOf(appId)}`],
    );
    return rows.length;
  } finally {
    await client.end();
  }
}

export interface PostgresTestBackend extends TestBackend {
  /** Drop the schema this backend's app created. */
  dropSchema(): Promise<void>;
}

/** A fresh app id (so a fresh schema) on the test server, with fast recovery timings. */
export function postgresBackend(extra: NencConfigInput = {}): PostgresTestBackend {
  const appId = testAppId("pg");
  const options: NencConfigInput = {
    appId,
    backend: "postgres",
    postgresUrl: POSTGRES_TEST_URL,
    ...FAST_RECOVERY,
    ...extra,
  };
  return { name: "postgres", options, env: toEnv(options), dropSchema: () => dropSchemas([appId]) };
}
