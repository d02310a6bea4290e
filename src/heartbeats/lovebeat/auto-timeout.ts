/** Lovebeat's auto timeout (compat §2.8, `algorithms/auto1.go`) and beat analysis (§2.5, `beat_analysis.go`), bit for bit. */

/** How many of the newest intervals the auto timeout looks at. */
export const AUTO_TIMEOUT_WINDOW = 20;

/** Centre of mass of the exponentially weighted mean and std-dev. */
const COM = 10;
/** Outliers are values at least this many sample std-devs from the mean. */
const OUTLIER_SIGMAS = 3;
/** The timeout is the weighted mean plus this many weighted std-devs (plus one second). */
const STD_FACTOR = 3;

const undef = (f: number) => !Number.isFinite(f);

/**
 * The adjusted EWMA of `series` with centre of mass `com`, every element bias-corrected
 * (pandas `ewm(com, adjust=True).mean()` as ported in `auto1.go`): the recursion runs on the
 * uncorrected values; NaN/Inf inputs carry the previous value.
 */
export function ewma(series: readonly number[], com: number): number[] {
  const n = series.length;
  const ret = new Array<number>(n);
  if (n === 0) return ret;
  const oldw = com / (1 + com);
  ret[0] = (series[0] as number) / (1 + com);
  for (let i = 1; i < n; i++) {
    const cur = series[i] as number;
    const prev = ret[i - 1] as number;
    if (undef(cur)) ret[i] = prev;
    else if (undef(prev)) ret[i] = cur / (1 + com);
    else ret[i] = (com * prev + cur) / (1 + com);
  }
  let adj = oldw;
  for (let i = 0; i < n; i++) {
    const cur = ret[i] as number;
    if (!Number.isNaN(cur)) {
      ret[i] = cur / (1 - adj);
      adj *= oldw;
    } else if (i > 0) {
      ret[i] = ret[i - 1] as number;
    }
  }
  return ret;
}

/** The last value of the exponentially weighted std-dev of `series` (bias-corrected variance, `EwmStdLast`). */
export function ewmStdLast(series: readonly number[], com: number): number {
  const m1 = ewma(series, com);
  const m2 = ewma(series.map((v) => v * v), com);
  const i = m1.length - 1;
  let t = (m2[i] as number) - (m1[i] as number) ** 2;
  t *= (1 + 2 * com) / (2 * com);
  // `t < 0` is false for NaN, so NaN goes on into the square root, as in Go.
  return t < 0 ? 0 : Math.sqrt(t);
}

/** Drops values not strictly within `m` sample std-devs of the mean; keeps everything if that would drop all. */
function removeOutliers(series: readonly number[], m: number): readonly number[] {
  const u = series.reduce((a, b) => a + b, 0) / series.length;
  // Sample std-dev (n − 1): NaN for one value, so a single value is "all dropped" and kept.
  const s = Math.sqrt(series.reduce((a, b) => a + (b - u) ** 2, 0) / (series.length - 1));
  const kept = series.filter((e) => u - m * s < e && e < u + m * s);
  return kept.length === 0 ? series : kept;
}

/**
 * The auto timeout in ms for a beat history (intervals in ms, oldest first): the chronological
 * last 20 intervals (compat §0), outliers removed, EWMA + 3 EW std-devs + 1000 ms, rounded half up.
 * An empty history gives 1000.
 */
export function autoTimeoutMs(historyMs: readonly number[]): number {
  const last = historyMs.slice(-AUTO_TIMEOUT_WINDOW);
  const kept = removeOutliers(last, OUTLIER_SIGMAS);
  if (kept.length === 0) return 1000;
  const mean = ewma(kept, COM)[kept.length - 1] as number;
  const result = mean + STD_FACTOR * ewmStdLast(kept, COM) + 1000;
  if (Number.isNaN(result)) return 0;
  // Go's int64(x + 0.5) truncates toward zero; for the (always positive) results that is rounding half up.
  return Math.trunc(result + 0.5);
}

/** The `analysis` object of a service in API replies. */
export interface BeatAnalysis {
  /** Present (and true) when `upper >= 5 * lower`. */
  unstable?: true;
  /** 10th-percentile interval, whole seconds rounded half up. */
  lower: number;
  /** 90th-percentile interval, whole seconds rounded half up. */
  upper: number;
  /** Always 90: the share of intervals within [lower, upper]. */
  percentage: 90;
}

/** Analysis of a beat history with at least 10 intervals, else undefined; the history is not modified. */
export function beatAnalysis(historyMs: readonly number[]): BeatAnalysis | undefined {
  const n = historyMs.length;
  if (n < 10) return undefined;
  // Lovebeat sorts the live history in place here (compat §2.8 QUIRK); a copy keeps it chronological.
  const sorted = [...historyMs].sort((a, b) => a - b);
  const seconds = (ms: number) => Math.floor(ms / 1000 + 0.5);
  const lower = seconds(sorted[Math.trunc(n * 0.1)] as number);
  const upper = seconds(sorted[Math.trunc(n * 0.9)] as number);
  return upper >= 5 * lower ? { unstable: true, lower, upper, percentage: 90 } : { lower, upper, percentage: 90 };
}
