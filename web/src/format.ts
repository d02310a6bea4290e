/** How numbers and times read on screen. */

/** `1.2 s`, `85 ms`, or an em dash. */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (v >= 10_000) return `${(v / 1000).toFixed(0)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(1)} s`;
  return `${Math.round(v)} ms`;
}

/** `99.95%` (two decimals below 100), or an em dash. */
export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (v >= 100) return "100%";
  return `${(Math.floor(v * 100) / 100).toFixed(2)}%`;
}

/** A span: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function span(msTotal: number): string {
  const s = Math.max(0, Math.round(msTotal / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** `3m ago` relative to `now`. */
export function ago(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return "never";
  return `${span(now - at)} ago`;
}

/** Local date and time, to the second. */
export function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Local time of day (or date and time when not today). */
export function shortWhen(at: number, now = Date.now()): string {
  const d = new Date(at);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }) : d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Words for a state. */
export const STATE_WORD: Record<string, string> = { down: "Down", degraded: "Degraded", pending: "Pending", up: "Up", maintenance: "Maintenance", paused: "Paused" };
