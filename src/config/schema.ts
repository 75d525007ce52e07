import { Cron } from "croner";
import { z } from "zod";
import { toEnvName } from "./env-names.js";

/**
 * Every config key: its schema (type and validation), its default and a one-line doc.
 * The README's config table and `nenc show-config` are generated from this declaration.
 */

const cronExpression = z.string().refine(
  (expr) => {
    try {
      new Cron(expr, { paused: true });
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a valid cron expression (5 fields, or 6 with seconds first)" },
);

export const BACKENDS = ["sqlite", "memory", "redis", "postgres"] as const;
export type BackendName = (typeof BACKENDS)[number];

interface KeySpec<T extends z.ZodType> {
  schema: T;
  default: z.infer<T>;
  doc: string;
}

function key<T extends z.ZodType>(schema: T, def: z.infer<T>, doc: string): KeySpec<T> {
  return { schema, default: def, doc };
}

export const CONFIG_KEYS = {
  appId: key(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,40}$/, "letters, digits and _ only, 1-41 chars"),
    "nenc",
    "Application id; namespaces tables, keys and schemas so apps can share a database.",
  ),
  app: key(
    z.string(),
    "",
    "The module exporting the Nenc app, for `nenc runner start`, `nenc monitor` and the other commands when --app is not given (relative to the working folder).",
  ),
  backend: key(
    z.enum(BACKENDS),
    "sqlite",
    "Shorthand for the three component classes (orchestrator, broker, state backend).",
  ),
  orchestratorCls: key(z.string(), "", 'Orchestrator class, e.g. "SQLiteOrchestrator"; empty: from `backend`.'),
  brokerCls: key(z.string(), "", 'Broker class, e.g. "SQLiteBroker"; empty: from `backend`.'),
  stateBackendCls: key(z.string(), "", 'State backend class, e.g. "SQLiteStateBackend"; empty: from `backend`.'),
  runnerCls: key(
    z.string(),
    "AsyncRunner",
    "Runner class: AsyncRunner, ThreadRunner, ProcessRunner, PersistentProcessRunner or MultiThreadRunner (docs/runners.md).",
  ),
  runnerConcurrency: key(
    z.number().int().min(0).max(10_000),
    0,
    "Invocations (AsyncRunner), threads (ThreadRunner) or processes (process runners) at once; 0: the runner's default.",
  ),
  runnerQueues: key(
    z
      .string()
      .regex(
        /^\s*([\w.:-]{1,100}\s*(,\s*[\w.:-]{1,100}\s*)*)?$/,
        "comma-separated queue names (letters, digits, _ . : -)",
      ),
    "",
    'The queues a runner takes work from, comma-separated ("payments,default"); empty: every queue, so a runner started without it runs every task of the app. `nenc runner start --queues` overrides it.',
  ),
  maxProcesses: key(
    z.number().int().min(0).max(1024),
    0,
    "ProcessRunner and MultiThreadRunner: most child processes at once; 0: the CPU count.",
  ),
  numProcesses: key(
    z.number().int().min(0).max(1024),
    0,
    "PersistentProcessRunner: child processes in its fixed pool; 0: the CPU count.",
  ),
  threadsPerProcess: key(
    z.number().int().min(1).max(10_000),
    4,
    "MultiThreadRunner: invocations each child process runs at once (async slots on its event loop).",
  ),
  processIdleTimeoutSeconds: key(
    z.number().min(0),
    30,
    "MultiThreadRunner: a child with nothing to run for this long is stopped (one always stays).",
  ),
  childMemoryLimitMb: key(
    z.number().int().min(0),
    0,
    "Process runners: a child over this many MB (V8 heap, and resident set on Linux) is ended and its invocation handed back; 0: no limit.",
  ),
  childMemoryRetries: key(
    z.number().int().min(0),
    2,
    "How many times an invocation is handed back for going over the child memory limit before it is FAILED (apart from task retries).",
  ),
  sqliteDbPath: key(
    z.string(),
    "",
    "SQLite file shared by callers and runners; empty: .nenc/<appId>.sqlite in the working folder.",
  ),
  runnerConsideredDeadAfterMinutes: key(
    z
      .number()
      .positive()
      .max(24 * 60),
    0.15,
    "A runner whose last heartbeat is older than this is dead and its work is recovered (0.15 = 9 s).",
  ),
  heartbeatIntervalSeconds: key(
    z.number().min(0).max(3600),
    0,
    "Seconds between heartbeats; 0: a quarter of the dead-after window (at least 0.1 s).",
  ),
  recoverRunningInvocationsCron: key(
    cronExpression,
    "*/3 * * * * *",
    "When runners look for work owned by dead runners (seconds field optional).",
  ),
  recoverPendingInvocationsCron: key(
    cronExpression,
    "*/5 * * * * *",
    "When runners look for invocations stuck in PENDING or never delivered.",
  ),
  runnerHost: key(
    z.string(),
    "",
    "Host name recorded for this process's runners; empty: the OS host name. Runners recorded with this process's host name are checked by pid; give containers that share a host name but not a pid namespace distinct values.",
  ),
  livenessCheckMs: key(
    z.number().int().min(0),
    400,
    "How often one runner checks whether other runners' processes are gone (same host: the pid; Redis/PostgreSQL: the runner's session) and recovers their work at once; 0: heartbeat expiry only.",
  ),
  maxPendingSeconds: key(
    z.number().positive(),
    5,
    "An invocation PENDING (claimed, not started) longer than this is recovered.",
  ),
  largeValueBytes: key(
    z.number().int().min(1024),
    65_536,
    "Arguments and results larger than this (bytes of JSON) are stored once under their content hash in the state backend and referenced, so queue and status rows stay small.",
  ),
  maxValueBytes: key(
    z.number().int().min(1024),
    67_108_864,
    "Largest argument list or result (bytes of JSON): above it a call is refused (NENC_VALUE_TOO_LARGE, nothing recorded) and a result makes the invocation FAILED with that error.",
  ),
  retentionHours: key(
    z.number().min(0),
    168,
    "Invocations in a final status (SUCCESS, FAILED...) last updated longer ago than this are deleted with their history, result, logs and large values, by the runner holding the retention lease, in batches; 0 keeps everything.",
  ),
  retentionCron: key(
    cronExpression,
    "*/10 * * * *",
    "When the retention pass runs (it takes its own lease: one runner at a time, never blocking recovery passes).",
  ),
  retryBackoffMs: key(z.number().min(0), 200, "Base delay before a retry; doubles each attempt, with full jitter."),
  retryBackoffMaxMs: key(z.number().min(0), 30_000, "Upper bound of the retry delay."),
  shutdownGraceSeconds: key(
    z.number().min(0).max(86_400),
    20,
    "Drain window: on SIGTERM/SIGINT a runner claims nothing more and lets in-flight invocations finish for up to this long, then hands back what still runs (a second signal: at once); it exits 1 if not done 10 s after the window. 0: hand back at once. `nenc runner start --drain-seconds` overrides it.",
  ),
  logLevel: key(
    z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
    "info",
    "Minimum level of log lines.",
  ),
  logFormat: key(
    z.enum(["text", "json"]),
    "text",
    "text: one readable line per record; json: one JSON object per line (pino).",
  ),
  redisUrl: key(z.string(), "redis://127.0.0.1:6379", "Redis connection URL (backend redis)."),
  redisConnectTimeoutMs: key(
    z.number().int().min(100).max(600_000),
    5000,
    "How long start-up waits for Redis to answer before failing with a BackendError.",
  ),
  redisMaxRetriesPerRequest: key(
    z.number().int().min(0).max(1000),
    6,
    "Reconnect attempts a Redis command waits through (6: about 2.5-5 s) before it fails and the caller retries; reconnecting itself never stops.",
  ),
  redisRetryMaxDelayMs: key(
    z.number().int().min(10).max(60_000),
    2000,
    "Upper bound of the backoff (with jitter) between Redis reconnect attempts during an outage.",
  ),
  postgresUrl: key(
    z.string(),
    "postgres://postgres@127.0.0.1:5432/test",
    "PostgreSQL connection URL (backend postgres).",
  ),
  postgresSchema: key(
    z.string().regex(/^([a-z_][a-z0-9_]{0,49})?$/, "lower-case letters, digits and _ only, at most 50 chars"),
    "",
    "PostgreSQL schema holding this app's tables (one app per schema); empty: nenc_<appId lower-cased>.",
  ),
  postgresPoolSize: key(z.number().int().min(1).max(1000), 10, "Connections in each process's PostgreSQL pool."),
  postgresConnectTimeoutMs: key(
    z.number().int().min(0),
    5000,
    "How long opening a PostgreSQL connection may take before it fails (0: no limit).",
  ),
  postgresRetryTimeoutMs: key(
    z.number().int().min(0),
    30_000,
    "How long a PostgreSQL call keeps retrying a lost connection (server restart) before it fails.",
  ),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type NencConfig = { -readonly [K in ConfigKey]: z.infer<(typeof CONFIG_KEYS)[K]["schema"]> };
export type NencConfigInput = Partial<NencConfig>;

export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

export function defaultConfig(): NencConfig {
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_KEY_NAMES) out[k] = CONFIG_KEYS[k].default;
  return out as NencConfig;
}

/** The kind of value a key holds, used to coerce environment strings. */
export function keyKind(k: ConfigKey): "number" | "string" | "boolean" {
  const def = CONFIG_KEYS[k].default;
  return typeof def === "number" ? "number" : typeof def === "boolean" ? "boolean" : "string";
}

/** The config table for the README, generated from CONFIG_KEYS. */
export function renderConfigTable(): string {
  const rows = CONFIG_KEY_NAMES.map((k) => {
    const spec = CONFIG_KEYS[k];
    const env = toEnvName(k);
    return `| \`${k}\` | \`${JSON.stringify(spec.default)}\` | \`${env}\` | ${spec.doc.replaceAll("|", "\\|")} |`;
  });
  return ["| key | default | environment | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}
