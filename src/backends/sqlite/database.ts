import { EventEmitter } from "node:events";
import { accessSync, constants, type FSWatcher, mkdirSync, readdirSync, readFileSync, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { BackendError } from "../../errors/index.js";

type Db = Database.Database;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");
/** better-sqlite3's native addon is missing (installed with --ignore-scripts) or built for another Node. */
const NATIVE_MODULE_FAILURE = /bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/;

/** Why the database's folder cannot be written, when that is why it cannot be opened. */
function folderProblem(folder: string): string {
  try {
    accessSync(folder, constants.W_OK);
    return "";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EROFS") return ` (its file system ${folder} is read-only)`;
    if (code === "EACCES") return ` (its folder ${folder} is not writable by this user)`;
    return "";
  }
}

/**
 * One better-sqlite3 connection per file per process, shared by the three SQLite components
 * of an app and reference-counted. WAL mode lets many processes read while one writes; a busy
 * timeout makes writers wait instead of failing. `changes` fires when this or another process
 * writes to the file (inotify on the WAL), so waiters wake without polling delays.
 */
export class SqliteDatabase {
  readonly db: Db;
  readonly changes = new EventEmitter();
  private watcher: FSWatcher | null = null;
  private refs = 0;
  private pendingEmit = false;
  private readonly migrated = new Set<string>();
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("busy_timeout = 10000");
      this.db.pragma("synchronous = NORMAL");
    } catch (err) {
      const why = (err as Error).message;
      if (NATIVE_MODULE_FAILURE.test(why)) {
        throw new BackendError(
          `The SQLite driver better-sqlite3 is installed but its native module cannot be loaded (${why.split("\n")[0]?.replace(/\.? Tried:$/, "")}): run npm rebuild better-sqlite3.`,
          { cause: err },
        );
      }
      throw new BackendError(
        `Cannot open the SQLite database ${path}: ${why}${folderProblem(dirname(path))}. Check sqliteDbPath and that its folder is writable.`,
        { cause: err },
      );
    }
    this.changes.setMaxListeners(0);
    this.startWatching();
  }

  private static readonly open = new Map<string, SqliteDatabase>();

  static acquire(path: string): SqliteDatabase {
    let handle = SqliteDatabase.open.get(path);
    if (!handle) {
      handle = new SqliteDatabase(path);
      SqliteDatabase.open.set(path, handle);
    }
    handle.refs++;
    return handle;
  }

  release(): void {
    if (--this.refs > 0) return;
    SqliteDatabase.open.delete(this.path);
    this.watcher?.close();
    this.watcher = null;
    this.db.close();
  }

  /**
   * A prepared statement for SQL built from a filter (a few shapes, used repeatedly: the
   * result waiter and recovery passes call `find` every turn), prepared once per shape.
   */
  prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Tell waiters in this process that something changed (other processes see the WAL write). */
  notify(): void {
    if (this.pendingEmit) return;
    this.pendingEmit = true;
    setImmediate(() => {
      this.pendingEmit = false;
      this.changes.emit("change");
    });
  }

  private startWatching(): void {
    const wal = `${basename(this.path)}-wal`;
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === wal) this.notify();
      });
      this.watcher.on("error", () => {
        this.watcher = null; // waiters fall back to their polling interval
      });
    } catch {
      this.watcher = null;
    }
  }

  /** Resolve on the next change, or after `timeoutMs`. */
  waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changes.off("change", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.changes.on("change", done);
    });
  }

  /** Apply the numbered migrations for a table prefix once, under SQLite's write lock. */
  migrate(prefix: string): void {
    if (this.migrated.has(prefix)) return;
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_.*\.sql$/.test(f))
      .sort();
    const run = this.db.transaction(() => {
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${prefix}migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
      );
      const done = new Set(
        (this.db.prepare(`SELECT version FROM ${prefix}migrations`).all() as { version: number }[]).map(
          (r) => r.version,
        ),
      );
      for (const file of files) {
        const version = Number(file.slice(0, 4));
        if (done.has(version)) continue;
        const sql = readFileSync(join(MIGRATIONS_DIR, file), "utf8").replaceAll("{{p}}", prefix);
        this.db.exec(sql);
        this.db
          .prepare(`INSERT INTO ${prefix}migrations (version, name, applied_at) VALUES (?, ?, ?)`)
          .run(version, file, Date.now());
      }
    });
    run.immediate();
    this.migrated.add(prefix);
  }
}

export function tablePrefix(appId: string): string {
  return `${appId}_`;
}
