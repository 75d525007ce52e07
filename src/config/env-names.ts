export const ENV_PREFIX = "NENC__";

/** `runnerConsideredDeadAfterMinutes` -> `NENC__RUNNER_CONSIDERED_DEAD_AFTER_MINUTES`. */
export function toEnvName(key: string): string {
  return ENV_PREFIX + key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Config values as NENC__* variables (for starting runner processes with the same config). */
export function toEnvVars(options: Readonly<Record<string, unknown>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) env[toEnvName(k)] = String(v);
  return env;
}
