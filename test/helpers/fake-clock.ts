/** A scheduler clock for tests: time moves only when told. */
import type { SchedulerClock } from "../../src/scheduler/scheduler.ts";

/** A clock whose time moves only when told; counts the timers armed at once. */
export class FakeClock implements SchedulerClock {
  t = 1_700_000_000_000;
  timers = new Map<number, { at: number; fn: () => void }>();
  maxArmed = 0;
  private seq = 0;
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    this.maxArmed = Math.max(this.maxArmed, this.timers.size);
    return id;
  };
  clearTimer = (h: unknown) => void this.timers.delete(h as number);
  /** Moves time forward, firing due timers in order and letting promise callbacks run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      this.t = next[1].at;
      this.timers.delete(next[0]);
      next[1].fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}
