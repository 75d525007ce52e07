import { percentile } from "./stats.js";

/** A figure over the runs: median, min, max; `capped` when some run hit the wait cap. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number;
  capped: boolean;
}

export function figure(values: number[], capped = false): Figure {
  const s = [...values].sort((a, b) => a - b);
  return { median: percentile(s, 50), min: s[0] ?? Number.NaN, max: s.at(-1) ?? Number.NaN, runs: s.length, capped };
}

interface Row {
  system: string;
  engine: string;
  figures: Record<string, Figure>;
}

/** Throughputs are better high; times and memory better low. */
const higherIsBetter = (key: string) => key.includes("jobs/s");

function cell(f: Figure | undefined): string {
  if (!f) return "";
  if (f.runs === 0) return "not within the cap";
  const n = (v: number) =>
    Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  const range = f.runs > 1 ? ` (${n(f.min)}-${n(f.max)})` : "";
  return `${n(f.median)}${range}${f.capped ? " *" : ""}`;
}

/**
 * One table per engine: a row per figure, a column per system, and nenc's ratio to the best peer
 * of the engine (above 1: nenc is ahead). SQLite has no peer; its ratio is to BullMQ.
 */
export function renderTable(rows: readonly Row[]): string {
  const out: string[] = [];
  for (const engine of ["redis", "postgres", "sqlite"]) {
    const group = rows.filter((r) => r.engine === engine);
    if (group.length === 0) continue;
    const nenc = group.find((r) => r.system === "nenc");
    const peers = engine === "sqlite" ? rows.filter((r) => r.system === "BullMQ") : group.filter((r) => r !== nenc);
    const columns = [...group, ...(engine === "sqlite" ? peers : [])];
    const keys = [...new Set(columns.flatMap((r) => Object.keys(r.figures)))];
    out.push(`### ${engine === "redis" ? "Redis" : engine === "postgres" ? "PostgreSQL" : "SQLite"}`, "");
    out.push(
      `| figure | ${columns.map((r) => `${r.system}${r.engine !== engine ? ` (${r.engine})` : ""}`).join(" | ")} | nenc vs best peer |`,
    );
    out.push(`| --- | ${columns.map(() => "---").join(" | ")} | --- |`);
    for (const key of keys) {
      const mine = nenc?.figures[key];
      const theirs = peers.map((p) => p.figures[key]).filter((f): f is Figure => f !== undefined && f.runs > 0);
      let ratio = "";
      if (mine && mine.runs > 0 && theirs.length > 0) {
        const best = higherIsBetter(key)
          ? Math.max(...theirs.map((f) => f.median))
          : Math.min(...theirs.map((f) => f.median));
        const r = higherIsBetter(key) ? mine.median / best : best / mine.median;
        ratio = `${r.toFixed(2)}x`;
      } else if (mine && mine.runs > 0 && peers.some((p) => p.figures[key]?.runs === 0)) {
        ratio = "peer not within the cap";
      }
      out.push(`| ${key} | ${columns.map((r) => cell(r.figures[key])).join(" | ")} | ${ratio} |`);
    }
    out.push("");
  }
  out.push("Median over the runs (min-max). * some runs hit the wait cap and are left out.");
  return out.join("\n");
}
