/** A status bar: one segment per hour (or day), coloured by what happened in it. */
import { pct } from "../format.ts";

const WORD: Record<string, string> = { "-": "no checks", u: "all up", g: "degraded", f: "some checks down", d: "mostly down" };

/** Props of a bar. */
export interface BarProps {
  /** One character per segment, oldest first (`-ugfd`). */
  bar: string;
  /** Start of the first segment (epoch ms). */
  fromMs: number;
  /** Length of a segment (ms). */
  bucketMs: number;
  /** Uptime per segment, for the tooltips (optional). */
  uptime?: Array<number | null>;
  /** Extra class (size). */
  class?: string;
}

/** Draws the bar as plain elements (a page shows a few dozen at most). */
export function StatusBar({ bar, fromMs, bucketMs, uptime, class: cls }: BarProps) {
  const daily = bucketMs >= 86_400_000;
  return (
    <span class={`bar ${cls ?? ""}`} role="img" aria-label={`history: ${bar.length} ${daily ? "days" : "hours"}, ${[...bar].filter((c) => c === "f" || c === "d").length} with failures`}>
      {[...bar].map((c, i) => {
        const start = new Date(fromMs + i * bucketMs);
        const label = daily ? start.toLocaleDateString() : `${start.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })}`;
        const u = uptime?.[i];
        return <i key={i} class={`s-${c === "-" ? "n" : c}`} title={`${label}: ${WORD[c] ?? c}${u !== undefined && u !== null ? ` (${pct(u)})` : ""}`} />;
      })}
    </span>
  );
}
