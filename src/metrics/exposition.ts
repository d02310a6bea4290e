/**
 * Pieces of the Prometheus text exposition format (version 0.0.4) for the per-monitor families,
 * written by hand: at 10,000 monitors a scrape writes about 100,000 samples, and building the
 * lines directly is several times cheaper than going through a client library's label maps.
 */

/** A label value escaped for the text format (backslash, double quote, line feed). */
export function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

/** A sample value as the text format writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}
