import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { blockedNote, duplicateNote, wokenNote } from "../../core/concurrency.js";
import { SLOT_HOLDING_STATUSES, STATUS_TABLE, STATUSES } from "../../core/status.js";
import { BackendError, ConcurrencyControlledError } from "../../errors/index.js";
import { ANNOUNCED_OUTCOME_MAX_BYTES } from "../settlement-line.js";
import { STATUS_FIELDS } from "./codec.js";

const SCRIPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "scripts");

type LuaValue = string | number | boolean | { [key: string]: LuaValue };

/** A Lua table constructor (or literal) for a plain value, so scripts need not decode JSON on every call. */
function toLua(value: LuaValue): string {
  if (typeof value === "string") {
    // Three-digit decimal escapes (a digit after one cannot be misread) for quotes, backslashes
    // and control characters: valid in every Lua.
    const escaped = Array.from(value, (ch) => {
      const code = ch.charCodeAt(0);
      return code < 32 || ch === '"' || ch === "\\" ? `\\${String(code).padStart(3, "0")}` : ch;
    });
    return `"${escaped.join("")}"`;
  }
  if (typeof value !== "object") return String(value);
  return `{ ${Object.entries(value)
    .map(([k, v]) => `[${toLua(k)}] = ${toLua(v)}`)
    .join(", ")} }`;
}

/**
 * The state machine as the Lua scripts read it, generated from STATUS_TABLE (the only
 * declaration): `{ STATUS: { n: { NEXT: true, ... }, e: onEnter, o: leaveRequiresOwner } }`.
 */
function statusTable(): LuaValue {
  const table: Record<string, { n: Record<string, true>; e: string; o: boolean; f: boolean; h: boolean }> = {};
  for (const s of STATUSES) {
    const spec = STATUS_TABLE[s];
    table[s] = {
      n: Object.fromEntries(spec.next.map((n) => [n, true])),
      e: spec.onEnter,
      o: spec.leaveRequiresOwner,
      f: spec.final,
      h: SLOT_HOLDING_STATUSES.includes(s),
    };
  }
  return table;
}

/**
 * statusTable() as a Lua expression that builds each status's entry on first use: a script
 * touches three or four statuses, and constructing all fifteen entries (their `n` sets too) on
 * every call cost more instructions than the rest of a one-job claim's setup. Reads stay
 * `SPEC[status]` (nil for an unknown status).
 */
function lazyStatusTableLua(): string {
  // One builder with a branch per status: fifteen closures cost more per call than the table.
  const branches = Object.entries(statusTable() as Record<string, LuaValue>)
    .map(([status, entry], i) => `${i === 0 ? "if" : "elseif"} status == ${toLua(status)} then entry = ${toLua(entry)}`)
    .join("\n    ");
  return `setmetatable({}, { __index = function(t, status)
    local entry
    ${branches}
    else return nil end
    rawset(t, status, entry)
    return entry
  end })`;
}

/**
 * The concurrency notes and the CONCURRENCY_CONTROLLED_FINAL error, from core/concurrency.ts
 * and errors/, with placeholders the scripts fill in: \u0001 invocation id, \u0002 scope,
 * \u0003 detail, \u0004 limit, \u0005 other invocation id.
 */
function concurrencyTexts(): LuaValue {
  const err = new ConcurrencyControlledError("\u0001", "\u0002", "\u0003");
  return {
    blocked: blockedNote("\u0002", "\u0004"),
    woken: wokenNote("\u0005"),
    duplicate: duplicateNote("\u0005"),
    error: { name: err.name, message: err.message, code: err.code },
  };
}

/**
 * `-- @include <name>` lines pull in scripts/<name>.lua, each once per script (a later include of
 * the same name is dropped: writes.lua's buffers must be one per script); `__STATUS_TABLE_LUA__`
 * becomes the status table (built per status on first use, lazyStatusTableLua),
 * `__CONCURRENCY_TEXTS_LUA__` the texts' table, `__STATUS_FIELDS_LUA__` the list of status row
 * fields the codec reads (STATUS_FIELDS), `__ANNOUNCED_OUTCOME_MAX__` the size limit of an
 * announced outcome (settlement-line.ts).
 */
function loadSource(name: string, included = new Set<string>([name])): string {
  const raw = readFileSync(join(SCRIPTS_DIR, `${name}.lua`), "utf8");
  const withIncludes = raw.replace(/^-- @include (\S+)$/gm, (_m, inc: string) => {
    if (included.has(inc)) return "";
    included.add(inc);
    return loadSource(inc, included);
  });
  return withIncludes
    .replaceAll("__STATUS_TABLE_LUA__", lazyStatusTableLua())
    .replaceAll("__CONCURRENCY_TEXTS_LUA__", toLua(concurrencyTexts()))
    .replaceAll("__STATUS_FIELDS_LUA__", `{ ${STATUS_FIELDS.map((f) => toLua(f)).join(", ")} }`)
    .replaceAll("__ANNOUNCED_OUTCOME_MAX__", String(ANNOUNCED_OUTCOME_MAX_BYTES));
}

/** A Lua script run with EVALSHA, falling back to EVAL when the server lost its script cache (restart). */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(readonly name: string) {
    this.source = loadSource(name);
    this.sha = createHash("sha1").update(this.source).digest("hex");
  }

  async run(client: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, 0, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("NOSCRIPT")) {
        return client.eval(this.source, 0, ...args);
      }
      throw err;
    }
  }

  /** Run and expect a JSON string reply. */
  async json(client: Redis, args: readonly (string | number)[]): Promise<unknown> {
    const reply = await this.run(client, args);
    if (typeof reply !== "string") {
      throw new BackendError(`Redis script ${this.name} returned ${typeof reply}, expected a JSON string.`);
    }
    return JSON.parse(reply);
  }
}

let loaded: ReturnType<typeof loadAll> | null = null;

function loadAll() {
  return {
    register: new LuaScript("register"),
    transition: new LuaScript("transition"),
    runners: new LuaScript("runners"),
    lease: new LuaScript("lease"),
    triggerState: new LuaScript("trigger-state"),
    workflowStep: new LuaScript("workflow-step"),
    route: new LuaScript("route"),
    registerRoute: new LuaScript("register-route"),
    claim: new LuaScript("claim"),
    claimStart: new LuaScript("claim-start"),
    findPage: new LuaScript("find-page"),
    nextWork: new LuaScript("next-work"),
    saveInvocations: new LuaScript("save-invocations"),
    deleteFinal: new LuaScript("delete-final"),
    deleteInvocations: new LuaScript("delete-invocations"),
    putValues: new LuaScript("put-values"),
  };
}

/** Every script, read from disk once per process. */
export function scripts(): ReturnType<typeof loadAll> {
  loaded ??= loadAll();
  return loaded;
}
