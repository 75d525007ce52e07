import { BackendError } from "../../errors/index.js";

/** What each environment failure of SQLite means for nenc, and what to do about it. */
const MEANINGS: [RegExp, string][] = [
  [/^SQLITE_FULL/, "its disk is full. Free space on that disk"],
  [/^SQLITE_READONLY/, "it is read-only (the file, its folder or its file system). Make them writable"],
  [
    /^SQLITE_(BUSY|LOCKED)/,
    "another process held its write lock past the busy timeout (10 s): a process stopped (SIGSTOP, a debugger) in the middle of a write blocks every writer. Continue or end that process",
  ],
  [/^SQLITE_IOERR/, "the file system reported an I/O error. Check the disk"],
  [/^SQLITE_(CORRUPT|NOTADB)/, "the file is damaged or not a SQLite database. Restore it from a copy"],
  [
    /^SQLITE_(CANTOPEN|PERM|AUTH)/,
    "it cannot be opened or written by this process. Check sqliteDbPath and permissions",
  ],
];

/**
 * A SQLite environment error (better-sqlite3's SqliteError with its `code`) as a BackendError
 * naming the file, the cause and what to do; the write it interrupted was rolled back, so
 * nothing of it is recorded. Other errors pass through unchanged.
 */
export function sqliteBackendError(path: string): (err: unknown) => unknown {
  return (err) => {
    const code = (err as { code?: unknown } | null)?.code;
    if (!(err instanceof Error) || typeof code !== "string") return err;
    const meaning = MEANINGS.find(([re]) => re.test(code))?.[1];
    if (!meaning) return err;
    return new BackendError(
      `The SQLite database ${path} could not be used (${code}: ${err.message}): ${meaning}. Nothing of the interrupted write was recorded; runners retry on their next turn.`,
      { cause: err },
    );
  };
}
