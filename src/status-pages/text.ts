/** Words, numbers and escaping shared by the status page HTML, JSON, feeds and badges. Pure. */
import type { MonitorStatus } from "../core/monitor-state.ts";
import type { DayClass } from "./snapshot.ts";
import type { Impact, OverallStatus, UpdateState } from "./types.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for HTML/XML content and attribute values. */
export function esc(s: string): string {
  // Characters XML 1.0 forbids are dropped so feeds stay well-formed whatever a user typed.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "").replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** The title of a page's documents: `Acme status`, or the page title alone when it says "status" already. */
export function statusTitle(title: string): string {
  return /\bstatus\b/i.test(title) ? title : `${title} status`;
}

/** `2025-03-01 14:05 UTC`. */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `2025-03-01`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A percentage with two decimals that never rounds a loss up to 100 (`99.999` → `99.99`). */
export function pct(v: number): string {
  if (v >= 100) return "100%";
  return `${(Math.floor(v * 100) / 100).toFixed(2)}%`;
}

/** What a monitor's status is called on a public page, and its icon (so the state does not rest on colour). */
export const MONITOR_WORDS: Record<MonitorStatus, { text: string; icon: string }> = {
  up: { text: "Operational", icon: "✓" },
  degraded: { text: "Degraded performance", icon: "!" },
  down: { text: "Outage", icon: "✕" },
  maintenance: { text: "Under maintenance", icon: "⚙" },
  paused: { text: "Not monitored", icon: "‖" },
  pending: { text: "No data yet", icon: "…" },
};

/** Banner icons. */
export const OVERALL_ICON: Record<OverallStatus, string> = { up: "✓", degraded: "!", down: "✕", maintenance: "⚙" };

/** Update states as shown. */
export const STATE_WORDS: Record<UpdateState, string> = { investigating: "Investigating", identified: "Identified", monitoring: "Monitoring", resolved: "Resolved", maintenance: "Maintenance" };

/** Impacts as shown. */
export const IMPACT_WORDS: Record<Impact, string> = { none: "No impact", minor: "Minor", major: "Major" };

/** Day classes as shown in a cell's title. */
export const DAY_WORDS: Record<DayClass, string> = { none: "No data", up: "No downtime", degraded: "Degraded", partial: "Partial outage", down: "Outage" };

/** A span of time in words: `less than a minute`, `45 minutes`, `3 hours`, `2 days`. */
export function span(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (min < 1) return "less than a minute";
  if (min < 90) return unit(min, "minute");
  if (min < 48 * 60) return unit(Math.round(min / 60), "hour");
  return unit(Math.round(min / 1440), "day");
}
