/** Durations in config: `500ms`, `10s`, `5m`, `1h`, `2d`, combinations (`1m30s`), or a number of seconds. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** The pattern a duration string must match (also used by the schema). */
export const DURATION_PATTERN = "^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$";

/** Parses a duration (string with units, or a number of seconds) to milliseconds; undefined if malformed. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  const s = value.trim();
  if (!new RegExp(DURATION_PATTERN).test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  return Math.round(total);
}
