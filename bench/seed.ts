import Database from "better-sqlite3";
import { Redis } from "ioredis";
import pg from "pg";
import { appServices } from "../src/app.js";
import { appKeys } from "../src/backends/redis/keys.js";
import { tablePrefix } from "../src/backends/sqlite/database.js";
import type { NencConfigInput } from "../src/index.js";
import { POSTGRES_TEST_URL, schemaOf } from "../test/helpers/postgres.js";
import type { BenchContext } from "./systems/types.js";

/**
 * Seeded rows are two days old: inside the default retention window (retentionHours 168). Older
 * ones are deleted by the runner's retention pass (every 10 minutes, 10,000 at a time) during
 * the runs, which then never count their jobs as done (a full `npm run bench` aborted so once).
 */
const EPOCH = Date.now() - 2 * 86_400_000;
const STEPS = ["REGISTERED", "PENDING", "RUNNING", "SUCCESS"];

/**
 * Store `n` SUCCESS invocations of task "noop" (data, status, four history rows, outcome) straight
 * into the engine's tables or keys, the shape nenc writes them in: the scale figures' background.
 */
export async function seedFinal(engine: string, ctx: BenchContext, n: number): Promise<void> {
  const { app } = ctx.app as typeof import("./app.js");
  await appServices(app).components(); // tables and keys exist
  const options = ctx.options as NencConfigInput;
  const appId = String(options.appId);
  if (engine === "postgres") return seedPostgres(`"${schemaOf(appId)}"`, n, POSTGRES_TEST_URL);
  if (engine === "sqlite") return seedSqlite(String(options.sqliteDbPath), tablePrefix(appId), n);
  return seedRedis(appKeys(appId), n);
}

async function seedPostgres(s: string, n: number, url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const g = `generate_series(1, ${n}) g`;
  await c.query(`INSERT INTO ${s}.invocations (id, task_id, args, parent_id, workflow_id, created_at)
    SELECT 'seed-'||g, 'noop', '[1]', NULL, 'seed-'||g, ${EPOCH} + g FROM ${g}`);
  await c.query(`INSERT INTO ${s}.status (id, task_id, status, owner_id, token, retries, updated_at, history_len, attempts)
    SELECT 'seed-'||g, 'noop', 'SUCCESS', NULL, 1, 0, ${EPOCH} + g, 4, 1 FROM ${g}`);
  await c.query(`INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
    SELECT 'seed-'||g, k, (ARRAY['${STEPS.join("','")}'])[k], NULL, 1, NULL, ${EPOCH} + g, NULL FROM ${g}, generate_series(1, 4) k`);
  await c.query(`INSERT INTO ${s}.outcomes (id, kind, value) SELECT 'seed-'||g, 'result', 'null' FROM ${g}`);
  // As a store that has held these rows for days would be: vacuumed, analysed, checkpointed
  // (else the runs below share the server with the seed's autovacuum and checkpoint).
  await c.query(`VACUUM ANALYZE ${s}.status, ${s}.history, ${s}.invocations, ${s}.outcomes`);
  await c.query("CHECKPOINT");
  await c.end();
}

function seedSqlite(path: string, p: string, n: number): void {
  const db = new Database(path);
  db.pragma("busy_timeout = 30000");
  const series = `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ${n})`;
  db.transaction(() => {
    db.exec(`${series} INSERT INTO ${p}invocations (id, task_id, args, parent_id, workflow_id, created_at)
      SELECT 'seed-'||x, 'noop', '[1]', NULL, 'seed-'||x, ${EPOCH} + x FROM g`);
    db.exec(`${series} INSERT INTO ${p}status (id, task_id, status, owner_id, token, retries, updated_at, history_len, attempts)
      SELECT 'seed-'||x, 'noop', 'SUCCESS', NULL, 1, 0, ${EPOCH} + x, 4, 1 FROM g`);
    STEPS.forEach((status, k) => {
      db.exec(`${series} INSERT INTO ${p}history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
        SELECT 'seed-'||x, ${k + 1}, '${status}', NULL, 1, NULL, ${EPOCH} + x, NULL FROM g`);
    });
    db.exec(`${series} INSERT INTO ${p}outcomes (id, kind, value) SELECT 'seed-'||x, 'result', 'null' FROM g`);
  })();
  db.exec("ANALYZE");
  // As a store that has held these rows for days would be: its write-ahead log checkpointed.
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

async function seedRedis(keys: ReturnType<typeof appKeys>, n: number): Promise<void> {
  const r = new Redis("redis://127.0.0.1:6379");
  // Blocks of 50 share their time, as a batch of claims or completions does, and the history
  // index holds a member per script and time: the block's REGISTERED entries, its PENDING and
  // RUNNING entries (the claim), its SUCCESS entries (the completion).
  const lua = `
local O, S, from, to = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local STEPS = { 'REGISTERED', 'PENDING', 'RUNNING', 'SUCCESS' }
for b = from, to, 50 do
  local at = ${EPOCH} + b
  local members = { {}, {}, {} }
  for g = b, math.min(to, b + 49) do
    local id = 'seed-' .. g
    redis.call('HSET', O .. 'inv:' .. id, 'task', 'noop', 'status', 'SUCCESS', 'owner', '', 'token', 1, 'retries', 0,
      'updated', at, 'hlen', 4, 'attempts', 1, 'rs', '', 'rl', 0, 'rr', 0, 'gs', '', 'kind', 'result', 'value', 'null')
    for k, st in ipairs(STEPS) do
      redis.call('RPUSH', O .. 'hist:' .. id, cjson.encode({ seq = k, status = st, token = 1, at = at }))
      local m = members[k == 1 and 1 or (k == 4 and 3 or 2)]
      m[#m + 1] = string.format('%010d', k) .. '#' .. id
    end
    redis.call('ZADD', O .. 'by-status:SUCCESS', at, id)
    redis.call('ZADD', O .. 'by-task:noop', at, id)
    redis.call('SET', S .. 'inv:' .. id, cjson.encode({ id = id, taskId = 'noop', args = '[1]', workflowId = id, createdAt = at }))
    redis.call('ZADD', S .. 'created', at, id)
    redis.call('ZADD', S .. 'by-task:noop', at, id)
    redis.call('ZADD', S .. 'roots', at, id)
  end
  for _, m in ipairs(members) do redis.call('ZADD', O .. 'hist-at', at, table.concat(m, ',')) end
end
redis.call('HINCRBY', O .. 'counts', 'noop\\tSUCCESS', to - from + 1)
return 1`;
  for (let i = 1; i <= n; i += 20_000) await r.eval(lua, 0, keys.orchestrator, keys.state, i, Math.min(n, i + 19_999));
  r.disconnect();
}
