/**
 * The layer rule, checked on every test run (`npm run check:deps`). Imports run one way, from
 * higher layers to lower:
 *   errors → config → core → backends → app (app.ts, runtime.ts) → features → recovery/runners/monitor → cli → index.ts
 * Feature folders (scheduling, concurrency, triggers, workflows) depend on the core contract,
 * never on an engine.
 */
const layer = (name, path) => ({ name, path });
const ERRORS = "^src/errors/";
const CONFIG = "^src/config/";
const CORE = "^src/core/";
const BACKENDS = "^src/backends/";
const APP = "^src/(app|runtime)\\.ts$";
const FEATURES = "^src/(scheduling|concurrency|triggers|workflows)/";
const RECOVERY = "^src/recovery/";
const RUNNERS = "^src/runners/";
const MONITOR = "^src/monitor/";
const CLI = "^src/cli/";
const ENTRY = "^src/index\\.ts$";

const forbid = (name, from, to, comment) => ({ name, comment, severity: "error", from: { path: from }, to: { path: to } });
const any = (...paths) => paths.join("|");

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "An import cycle ties two rooms into one.", severity: "error", from: {}, to: { circular: true } },
    forbid("errors-import-nothing", ERRORS, "^src/", "Errors are the lowest layer."),
    forbid("config-below-core", CONFIG, any(CORE, BACKENDS, APP, FEATURES, RECOVERY, RUNNERS, MONITOR, CLI, ENTRY), "config depends on errors only."),
    forbid("core-below-backends", CORE, any(BACKENDS, APP, FEATURES, RECOVERY, RUNNERS, MONITOR, CLI, ENTRY), "core never imports an engine, a runner, the monitor or the CLI."),
    forbid("backends-below-app", BACKENDS, any(APP, FEATURES, RECOVERY, RUNNERS, MONITOR, CLI, ENTRY), "an engine implements the core contract and imports nothing above it."),
    forbid("app-below-features", APP, any(RECOVERY, RUNNERS, MONITOR, CLI, ENTRY), "the app wires components; runners, monitor and CLI use it, not the other way."),
    forbid("features-use-the-contract", FEATURES, any(BACKENDS, RECOVERY, RUNNERS, MONITOR, CLI, ENTRY), "a feature depends on the core contract, not on an engine or a runner."),
    forbid("recovery-below-runners", RECOVERY, any(RUNNERS, MONITOR, CLI, ENTRY), "recovery is used by runners, never the reverse."),
    forbid("runners-below-monitor", RUNNERS, any(MONITOR, CLI, ENTRY), "runners never import the monitor or the CLI."),
    forbid("monitor-below-cli", MONITOR, any(RUNNERS, CLI, ENTRY), "the monitor reads through the contract; it does not import runners or the CLI."),
    forbid("cli-below-entry", CLI, ENTRY, "the CLI imports modules, not the package entry."),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs"] },
  },
};
