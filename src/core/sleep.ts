/** Resolve when `woken` does or after `ms` (at least 1), whichever is first; no timer is left behind. */
export async function sleepOr(woken: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([woken, new Promise<void>((r) => (timer = setTimeout(r, Math.max(1, ms))))]);
  clearTimeout(timer);
}
