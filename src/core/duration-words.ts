/** Outage lengths in words (`1 hour, 2 minutes, 5 seconds`): Cupcake's format with correct plurals. */

const UNITS: [string, number][] = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];

/**
 * Days, hours, minutes and seconds (days never roll into months), each non-zero unit as
 * `N unit`, joined by `, `. Seconds are truncated. Zero is `0 seconds`. Plurals follow the
 * whole number shown, so `1 second`, `2 seconds` (Cupcake printed `1 seconds`; compat §0).
 */
export function durationWords(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? "" : "s"}`);
  }
  return parts.length ? parts.join(", ") : "0 seconds";
}
