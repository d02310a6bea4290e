/** Alternating runs of competing variants, and the table that compares them. */
import { fmt, fmtSpread, median, spread } from "./stats.ts";

/** One run's figures, by metric key. */
export type Sample = Record<string, number>;

/** A variant of a comparison: runs once and returns its figures. */
export interface Variant {
  /** Name in the table. */
  name: string;
  /** One measured run. */
  runOnce(): Promise<Sample>;
}

/** A column of the comparison table. */
export interface Metric {
  /** Key in the samples. */
  key: string;
  /** Column header (with unit). */
  label: string;
  /** Decimals shown. */
  digits: number;
  /** Show a ratio row for it. */
  ratio?: boolean;
}

/** Runs every variant `rounds` times, interleaved (A, B, A, B, …) so drift hits all alike. */
export async function alternate(variants: readonly Variant[], rounds: number, log: (s: string) => void): Promise<Map<string, Sample[]>> {
  const out = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  for (let r = 1; r <= rounds; r++) {
    for (const v of variants) {
      const s = await v.runOnce();
      out.get(v.name)?.push(s);
      log(`  round ${r}/${rounds} ${v.name}: ${Object.entries(s).map(([k, x]) => `${k}=${fmt(x, 3)}`).join(" ")}`);
    }
  }
  return out;
}

/** Markdown table: one row per variant (median (min–max) per metric), then `a / b` ratio rows. */
export function comparisonTable(samples: Map<string, Sample[]>, metrics: readonly Metric[], ratios: ReadonlyArray<[string, string]>): string {
  const head = `| Variant | Runs | ${metrics.map((m) => m.label).join(" | ")} |`;
  const rule = `|---|---:|${metrics.map(() => "---:").join("|")}|`;
  const rows = [...samples].map(([name, ss]) => `| ${name} | ${ss.length} | ${metrics.map((m) => fmtSpread(spread(ss.map((s) => s[m.key] ?? NaN)), m.digits)).join(" | ")} |`);
  for (const [a, b] of ratios) rows.push(ratioRow(samples, metrics, a, b));
  return [head, rule, ...rows].join("\n");
}

/** Ratio of medians; in brackets the range of the per-round ratios (run i of a over run i of b). */
function ratioRow(samples: Map<string, Sample[]>, metrics: readonly Metric[], a: string, b: string): string {
  const sa = samples.get(a) ?? [];
  const sb = samples.get(b) ?? [];
  const cells = metrics.map((m) => {
    if (!m.ratio) return "";
    const va = sa.map((s) => s[m.key] ?? NaN);
    const vb = sb.map((s) => s[m.key] ?? NaN);
    const pairs = va.slice(0, vb.length).map((x, i) => x / (vb[i] as number));
    return `**${fmt(median(va) / median(vb), 2)}×** (${fmt(Math.min(...pairs), 2)}–${fmt(Math.max(...pairs), 2)})`;
  });
  return `| *${a} / ${b}* | | ${cells.join(" | ")} |`;
}
