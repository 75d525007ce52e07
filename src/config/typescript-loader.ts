import { isMissingPackage, MissingDependencyError } from "../errors/index.js";

const FLAG = Symbol.for("nenc.typescriptLoader");
type Flagged = typeof globalThis & { [FLAG]?: boolean };

/** `.ts`, `.mts`, `.cts` (and `x` variants): a module Node cannot import without a loader. */
export function isTypeScriptFile(path: string): boolean {
  return /\.[cm]?tsx?$/.test(path);
}

/**
 * Register tsx's loader in this thread once, so a user's TypeScript app or config file can be
 * imported directly. nenc itself runs as plain JavaScript; tsx is an optional peer dependency
 * needed only for this. `what` names the file for the error when tsx is not installed.
 */
export async function registerTypeScriptLoader(what: string): Promise<void> {
  const g = globalThis as Flagged;
  if (g[FLAG]) return;
  try {
    const { register } = await import("tsx/esm/api");
    register();
    g[FLAG] = true;
  } catch (err) {
    if (isMissingPackage(err, "tsx")) {
      throw new MissingDependencyError("tsx", `${what} is TypeScript: loading it directly`, { cause: err });
    }
    throw err;
  }
}
