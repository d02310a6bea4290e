/** A loop of async tasks bounded by count, concurrency and a wall-time deadline. */

/** What a bounded loop does. */
export interface BoundedLoop {
  /** Tasks to run at most. */
  total: number;
  /** Tasks in flight at once. */
  concurrency: number;
  /** `performance.now()` past which no new task starts. */
  deadline: number;
  /** One task; resolves true on success. It must not reject (a rejection counts as a failure). */
  task: () => Promise<boolean>;
}

/** Counts of a finished loop. */
export interface LoopCounts {
  /** Tasks finished. */
  completed: number;
  /** Tasks that succeeded. */
  ok: number;
}

/** Runs `task` up to `total` times with `concurrency` in flight; stops starting new ones at the deadline. */
export async function runBounded(loop: BoundedLoop): Promise<LoopCounts> {
  let started = 0;
  const counts: LoopCounts = { completed: 0, ok: 0 };
  const worker = async () => {
    while (started < loop.total && performance.now() < loop.deadline) {
      started++;
      const ok = await loop.task().catch(() => false);
      counts.completed++;
      if (ok) counts.ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(loop.concurrency, loop.total)) }, worker));
  return counts;
}
