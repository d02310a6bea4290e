/**
 * What blocks a process's event loop, measured from inside it: the loop's delay (perf_hooks
 * histogram, 10 ms resolution) and the garbage collector's pauses (`gc` performance entries),
 * since the last `take()`.
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

/** Event-loop delay and GC pauses over a stretch, ms. */
export interface Pauses {
  /** Median event-loop delay. */
  p50Ms: number;
  /** 99th percentile. */
  p99Ms: number;
  /** Longest: how long the loop was blocked at worst. */
  maxMs: number;
  /** Longest single GC pause (any kind). */
  gcMaxMs: number;
  /** Longest mark-compact (major) GC pause. */
  gcMajorMaxMs: number;
  /** Time in GC pauses in total. */
  gcTotalMs: number;
}

/** Starts watching; `take()` returns the figures since the previous `take()` (or the start) and resets them. */
export function watchPauses(): { take(): Pauses } {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let gcMax = 0;
  let gcMajorMax = 0;
  let gcTotal = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMax = Math.max(gcMax, e.duration);
      gcTotal += e.duration;
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcMajorMax = Math.max(gcMajorMax, e.duration);
    }
  });
  obs.observe({ entryTypes: ["gc"] });
  return {
    take: () => {
      const out: Pauses = { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, gcMaxMs: gcMax, gcMajorMaxMs: gcMajorMax, gcTotalMs: gcTotal };
      loop.reset();
      gcMax = 0;
      gcMajorMax = 0;
      gcTotal = 0;
      return out;
    },
  };
}
