/** The timeline's preset ranges, by the label of their link. */
export const RANGES: Record<string, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "6h": 21_600_000,
  "1d": 86_400_000,
  "1w": 604_800_000,
};

/** `from`/`to` as ms or ISO dates (custom range), else `range` back from now (default 15 minutes). */
export function parseRange(q: Record<string, string | undefined>, now: number): { from: number; to: number } {
  const parse = (v: string | undefined) => {
    if (!v) return null;
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v.endsWith("Z") ? v : `${v}Z`);
    return Number.isFinite(n) ? n : null;
  };
  const from = parse(q.from);
  const to = parse(q.to);
  if (from !== null) {
    const end = to !== null && to > from ? to : now;
    // At least one second, at most a week.
    return { from: Math.max(from, end - RANGES["1w"]!), to: Math.max(end, from + 1000) };
  }
  const span = RANGES[q.range ?? ""] ?? RANGES["15m"]!;
  return { from: now - span, to: now };
}
