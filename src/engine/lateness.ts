/** A window of recent scheduling lateness samples and their percentiles. */

/** Percentiles of how late runs started (ms). */
export interface LatenessSummary {
  /** Samples in the window. */
  count: number;
  /** Median. */
  p50: number;
  /** 99th percentile. */
  p99: number;
  /** Largest. */
  max: number;
}

/** Keeps the last `capacity` samples in a ring. */
export class LatenessWindow {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  /** Every sample ever recorded. */
  total = 0;

  /** Creates an empty window. */
  constructor(capacity = 65_536) {
    this.ring = new Float64Array(capacity);
  }

  private listener: ((ms: number) => void) | undefined;

  /** Calls `fn` with every sample as it is recorded (a metrics histogram). */
  onSample(fn: (ms: number) => void): void {
    this.listener = fn;
  }

  /** Records one sample. */
  add(ms: number): void {
    this.listener?.(ms);
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    this.filled = Math.min(this.filled + 1, this.ring.length);
    this.total++;
  }

  /** Percentiles of the window. */
  summary(): LatenessSummary {
    const v = this.ring.slice(0, this.filled).sort();
    const at = (q: number) => (v.length ? (v[Math.min(v.length - 1, Math.floor(q * v.length))] as number) : 0);
    return { count: v.length, p50: at(0.5), p99: at(0.99), max: v.length ? (v[v.length - 1] as number) : 0 };
  }

  /** Empties the window. */
  reset(): void {
    this.next = 0;
    this.filled = 0;
  }
}
