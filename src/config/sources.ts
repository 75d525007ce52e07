import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors/index.js";
import { ENV_PREFIX } from "./env-names.js";
import { CONFIG_KEY_NAMES, type ConfigKey, keyKind } from "./schema.js";
import { isTypeScriptFile, registerTypeScriptLoader } from "./typescript-loader.js";

/** One place config values come from, with a label used in error messages. */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
}

// Read by their own commands, not config keys: NENC__CONFIG_FILE (config), NENC__MONITOR_TOKEN (nenc monitor).
const ENV_ONLY = new Set(["CONFIG_FILE", "MONITOR_TOKEN"]);

function fromEnvName(name: string): string {
  return name
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `NENC__<KEY_IN_UPPER_SNAKE_CASE>` variables, coerced to each key's type. */
export function envLayers(env: NodeJS.ProcessEnv): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    if (ENV_ONLY.has(name.slice(ENV_PREFIX.length))) continue;
    const k = fromEnvName(name);
    const source = `environment variable ${name}`;
    if (!(CONFIG_KEY_NAMES as string[]).includes(k)) {
      throw new ConfigError(
        `Unknown config key "${k}" from ${source}. Known keys: ${CONFIG_KEY_NAMES.join(", ")}.`,
        k,
        source,
      );
    }
    layers.push({ source, values: { [k]: coerce(k as ConfigKey, raw, source) } });
  }
  return layers;
}

function coerce(k: ConfigKey, raw: string, source: string): unknown {
  switch (keyKind(k)) {
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || Number.isNaN(n)) {
        throw new ConfigError(`Config key "${k}" from ${source} must be a number, got "${raw}".`, k, source);
      }
      return n;
    }
    case "boolean":
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new ConfigError(`Config key "${k}" from ${source} must be true or false, got "${raw}".`, k, source);
    default:
      return raw;
  }
}

async function readConfigFile(path: string, source: string): Promise<Record<string, unknown>> {
  try {
    if (path.endsWith(".json")) return asObject(JSON.parse(readFileSync(path, "utf8")), path, source);
    if (isTypeScriptFile(path)) await registerTypeScriptLoader(`The config file ${path}`);
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    return asObject(unwrapDefault(mod), path, source);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Could not read config file ${path} (${source}): ${(err as Error).message}`, "", source, {
      cause: err,
    });
  }
}

/** `export default {...}` as ESM, or as CommonJS interop ({ default: {...} }). */
function unwrapDefault(mod: unknown): unknown {
  let v = mod;
  for (let i = 0; i < 2; i++) {
    if (v !== null && typeof v === "object" && "default" in v) {
      const keys = Object.keys(v).filter((k) => k !== "__esModule" && k !== "module.exports");
      if (keys.every((k) => k === "default")) v = (v as { default: unknown }).default;
    }
  }
  return v;
}

function asObject(v: unknown, path: string, source: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new ConfigError(`Config file ${path} (${source}) must hold an object of config keys.`, "", source);
  }
  return v as Record<string, unknown>;
}

/**
 * File layers, highest first: the file named by NENC__CONFIG_FILE, nenc.config.{ts,js,json}
 * in the working folder, the "nenc" field of package.json.
 */
export async function fileLayers(cwd: string, env: NodeJS.ProcessEnv): Promise<ConfigLayer[]> {
  const layers: ConfigLayer[] = [];
  const named = env[`${ENV_PREFIX}CONFIG_FILE`];
  if (named) {
    const path = resolve(cwd, named);
    const source = `${path} (NENC__CONFIG_FILE)`;
    if (!existsSync(path)) {
      throw new ConfigError(`NENC__CONFIG_FILE names ${path}, which does not exist.`, "CONFIG_FILE", "environment");
    }
    layers.push({ source, values: await readConfigFile(path, source) });
  }
  for (const name of ["nenc.config.ts", "nenc.config.js", "nenc.config.json"]) {
    const path = join(cwd, name);
    if (existsSync(path)) {
      layers.push({ source: path, values: await readConfigFile(path, path) });
      break;
    }
  }
  const pkg = join(cwd, "package.json");
  if (existsSync(pkg)) {
    try {
      const field = (JSON.parse(readFileSync(pkg, "utf8")) as { nenc?: unknown }).nenc;
      if (field !== undefined) {
        const source = `${pkg} ("nenc" field)`;
        layers.push({ source, values: asObject(field, pkg, source) });
      }
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      // An unreadable package.json is not ours to judge; ignore it.
    }
  }
  return layers;
}
