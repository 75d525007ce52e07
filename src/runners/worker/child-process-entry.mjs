// Entry of every child process nenc's process runners fork: runs the child (which loads the app
// module given by --app). It registers tsx only when needed: nenc running from its TypeScript
// sources (no compiled child-process.js beside this file), or a user's .ts app module.
import { existsSync } from "node:fs";

const compiled = new URL("./child-process.js", import.meta.url);
const fromSources = !existsSync(compiled);
const app = process.argv[process.argv.indexOf("--app") + 1] ?? "";
if (fromSources || /\.[cm]?tsx?$/.test(app)) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import((fromSources ? new URL("./child-process.ts", import.meta.url) : compiled).href);
