import { ConfigError } from "../errors/index.js";
import {
  CONFIG_KEY_NAMES,
  CONFIG_KEYS,
  type ConfigKey,
  defaultConfig,
  type NencConfig,
  type NencConfigInput,
} from "./schema.js";
import { type ConfigLayer, envLayers, fileLayers, unknownKeyError } from "./sources.js";

export interface ResolvedConfig {
  config: NencConfig;
  /** Where each key's value came from ("default" when nothing set it). */
  origin: Record<ConfigKey, string>;
}

/** Validate one layer: every key known, every value of the right type. */
export function validateLayer(layer: ConfigLayer): NencConfigInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer.values)) {
    if (v === undefined) continue;
    if (!(CONFIG_KEY_NAMES as string[]).includes(k)) throw unknownKeyError(k, layer.source);
    const parsed = CONFIG_KEYS[k as ConfigKey].schema.safeParse(v);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => i.message).join("; ");
      throw new ConfigError(
        `Config key "${k}" from ${layer.source} is invalid: ${why} (got ${JSON.stringify(v)}).`,
        k,
        layer.source,
      );
    }
    out[k] = parsed.data;
  }
  return out as NencConfigInput;
}

/** Merge layers, highest priority first, over the defaults. */
export function mergeLayers(layers: ConfigLayer[]): ResolvedConfig {
  const config = defaultConfig() as Record<string, unknown>;
  const origin = Object.fromEntries(CONFIG_KEY_NAMES.map((k) => [k, "default"])) as Record<ConfigKey, string>;
  for (const layer of [...layers].reverse()) {
    const values = validateLayer(layer);
    for (const [k, v] of Object.entries(values)) {
      config[k] = v;
      origin[k as ConfigKey] = layer.source;
    }
  }
  return { config: config as NencConfig, origin };
}

/**
 * Resolution, highest first: options given to `new Nenc`; NENC__* environment variables;
 * the file named by NENC__CONFIG_FILE; nenc.config.{ts,js,json}; package.json "nenc"; defaults.
 */
export async function resolveConfig(
  options: NencConfigInput,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedConfig> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const layers: ConfigLayer[] = [
    { source: "options given to new Nenc()", values: options as Record<string, unknown> },
    ...envLayers(env),
    ...(await fileLayers(cwd, env)),
  ];
  return mergeLayers(layers);
}

/** Heartbeat interval in ms: the configured value, or a quarter of the dead-after window. */
export function heartbeatIntervalMs(config: NencConfig): number {
  if (config.heartbeatIntervalSeconds > 0) return config.heartbeatIntervalSeconds * 1000;
  return Math.max(100, (config.runnerConsideredDeadAfterMinutes * 60_000) / 4);
}

/** The `runnerQueues` list; empty: every queue. */
export function runnerQueues(config: NencConfig): string[] {
  return config.runnerQueues
    .split(",")
    .map((q) => q.trim())
    .filter((q) => q !== "");
}

export function deadAfterMs(config: NencConfig): number {
  return config.runnerConsideredDeadAfterMinutes * 60_000;
}

export function sqlitePath(config: NencConfig, cwd = process.cwd()): string {
  return config.sqliteDbPath || `${cwd}/.nenc/${config.appId}.sqlite`;
}

/** Printable form of the resolved config: key, value, where it came from, its doc. */
export function describeConfig(resolved: ResolvedConfig): string {
  const rows = CONFIG_KEY_NAMES.map((k) => {
    const v = JSON.stringify(resolved.config[k]);
    return `${k.padEnd(34)} ${String(v).padEnd(40)} ${resolved.origin[k]}`;
  });
  return [`${"key".padEnd(34)} ${"value".padEnd(40)} source`, ...rows].join("\n");
}
