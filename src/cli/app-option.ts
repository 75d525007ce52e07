import type { Nenc } from "../app.js";
import { resolveConfig } from "../config/resolve.js";
import { AppLoadError } from "../errors/index.js";
import { loadApp } from "../runners/load-app.js";

/** The `--app` option every command that needs the app shares. */
export const APP_OPTION = [
  "--app <file>",
  'module exporting the Nenc app (.ts works with tsx installed); default: the "app" config key',
] as const;

/**
 * The app module from --app, else from the `app` config key (nenc.config.*, package.json
 * "nenc", NENC__APP), loaded. Returns the path too: runners pass it to their workers.
 */
export async function loadCliApp(given: string | undefined): Promise<{ app: Nenc; path: string }> {
  const path = given ?? ((await resolveConfig({})).config.app || undefined);
  if (!path) {
    throw new AppLoadError(
      'No app given: pass --app <file>, or set "app" in nenc.config.json (or package.json "nenc") to the module that exports your Nenc app.',
    );
  }
  return { app: await loadApp(path), path };
}
