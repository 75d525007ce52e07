import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Nenc } from "../app.js";
import { isTypeScriptFile, registerTypeScriptLoader } from "../config/typescript-loader.js";
import { AppLoadError } from "../errors/index.js";

/**
 * Import the module at `path` and return the Nenc app it exports: the export named `app`,
 * else the default export, else the only exported Nenc instance.
 */
export async function loadApp(path: string | undefined, cwd = process.cwd()): Promise<Nenc> {
  if (!path) throw new AppLoadError("No app given: pass --app <file> (the module that exports your Nenc app).");
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new AppLoadError(`--app ${path}: no such file (${file}).`);
  if (isTypeScriptFile(file)) await registerTypeScriptLoader(`--app ${path}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppLoadError(`--app ${path}: the module failed to load: ${(err as Error).message}`, { cause: err });
  }
  if (mod.app instanceof Nenc) return mod.app;
  if (mod.default instanceof Nenc) return mod.default;
  const apps = Object.values(mod).filter((v): v is Nenc => v instanceof Nenc);
  if (apps.length === 1 && apps[0]) return apps[0];
  throw new AppLoadError(
    apps.length === 0
      ? `--app ${path}: the module exports no Nenc app (export const app = new Nenc({...})).`
      : `--app ${path}: the module exports ${apps.length} Nenc apps; export the one to run as "app".`,
  );
}
