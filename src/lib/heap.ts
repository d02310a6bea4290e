/**
 * V8's heap growth for a long-running service. By default V8 lets the heap grow to several times
 * what survived the last full collection before collecting again; under a steady stream of checks
 * that is mostly garbage held as resident memory. At 100,000 monitors a 60 s interval kept about
 * 0.5 GB live and 1.6 GB reserved. Growing by half of what survives instead held 0.6-0.9 GB
 * resident, with the same scavenge time and full collections of at most 16 ms.
 */
import { setFlagsFromString } from "node:v8";

/** Heap growth after a full collection, in percent of what survived it. */
export const HEAP_GROWING_PERCENT = 50;

/** Sets the heap growth for this process (`upbeat serve`; the benchmarks' engine processes, as it does). */
export function tuneHeap(percent = HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${String(percent)}`);
}

/**
 * The young generation of a probe thread (MiB; V8 splits it into two semi-spaces of a third
 * each, so 64 MiB each instead of node's 16). A check's request, socket and result objects live
 * for a few milliseconds, and with hundreds in flight a small young generation promotes them to
 * the old one, whose collections are far dearer: with checks on one thread, 100,000 monitors at
 * 60 s took 0.82-0.91 CPU-s/s against 1.07-1.10 without it.
 *
 * Only the threads that run checks get it. The main thread keeps node's default: it allocates
 * far less, and a large young generation there, once grown at start-up, stays resident. Measured
 * with `capacity --minutes 1` (100,000 monitors, 1 probe thread, same build): the main thread's
 * new space fell from 128 to 32 MiB, RSS at the end from 1,266 to 1,142 MiB, the longest GC
 * pause from 55-218 to 23-37 ms, and engine CPU from 0.87-0.95 to 0.85-0.88 CPU-s/s.
 */
export const PROBE_THREAD_YOUNG_GENERATION_MB = 192;
