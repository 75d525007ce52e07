// Latency for PostgreSQL peers without a result channel: the job NOTIFYs when it starts and
// when it ends; the caller LISTENs (the same round trips a nenc result() takes).
import pg from "pg";

export const URL = process.env.NENC__POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/test";

export async function listener(channel) {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`LISTEN ${channel}`);
  const waiting = new Map();
  client.on("notification", (m) => {
    const [ref, startedAt] = String(m.payload).split(" ");
    waiting.get(ref)?.(Number(startedAt));
    waiting.delete(ref);
  });
  return {
    wait: (ref) => new Promise((resolve) => waiting.set(ref, resolve)),
    close: () => client.end(),
  };
}

export async function notifier() {
  const pool = new pg.Pool({ connectionString: URL, max: 4 });
  return {
    done: (channel, ref, startedAt) => pool.query("SELECT pg_notify($1, $2)", [channel, `${ref} ${startedAt}`]),
    close: () => pool.end(),
  };
}
