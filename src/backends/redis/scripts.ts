import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { blockedNote, duplicateNote, wokenNote } from "../../core/concurrency.js";
import { SLOT_HOLDING_STATUSES, STATUS_TABLE, STATUSES } from "../../core/status.js";
import { BackendError, ConcurrencyControlledError } from "../../errors/index.js";

const SCRIPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "scripts");

/**
 * The state machine as the Lua scripts read it, generated from STATUS_TABLE (the only
 * declaration): `{ STATUS: { n: { NEXT: true, ... }, e: onEnter, o: leaveRequiresOwner } }`.
 */
export function statusTableJson(): string {
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
  return JSON.stringify(table);
}

/**
 * The concurrency notes and the CONCURRENCY_CONTROLLED_FINAL error, from core/concurrency.ts
 * and errors/, with placeholders the scripts fill in: \u0001 invocation id, \u0002 scope,
 * \u0003 detail, \u0004 limit, \u0005 other invocation id.
 */
export function concurrencyTextsJson(): string {
  const err = new ConcurrencyControlledError("\u0001", "\u0002", "\u0003");
  return JSON.stringify({
    blocked: blockedNote("\u0002", "\u0004"),
    woken: wokenNote("\u0005"),
    duplicate: duplicateNote("\u0005"),
    error: { name: err.name, message: err.message, code: err.code },
  });
}

/** `-- @include <name>` lines pull in scripts/<name>.lua; `__STATUS_TABLE_JSON__` becomes the table. */
function loadSource(name: string): string {
  const raw = readFileSync(join(SCRIPTS_DIR, `${name}.lua`), "utf8");
  const withIncludes = raw.replace(/^-- @include (\S+)$/gm, (_m, inc: string) => loadSource(inc));
  return withIncludes
    .replaceAll("__STATUS_TABLE_JSON__", statusTableJson())
    .replaceAll("__CONCURRENCY_TEXTS_JSON__", concurrencyTextsJson());
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
