import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { phaseOffset, Scheduler } from "./scheduler.ts";

describe("scheduler", () => {
  test("first runs spread across the interval, the same for the same key", () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => phaseOffset(`monitor-${i}`, 60_000));
    assert.ok(offsets.every((o) => o >= 0 && o < 60_000));
    const buckets = new Array(10).fill(0);
    for (const o of offsets) buckets[Math.floor(o / 6000)]++;
    assert.ok(buckets.every((b) => b > 60 && b < 140), `spread: ${buckets.join(",")}`);
    assert.equal(phaseOffset("a", 10_000), phaseOffset("a", 10_000));
  });

  test("one timer for any number of jobs; runs stay on their grid for hours (no drift)", async () => {
    const clock = new FakeClock();
    const starts = new Map<string, number[]>();
    const s = new Scheduler({ concurrency: 100, clock });
    for (let i = 0; i < 50; i++) {
      const id = `m${i}`;
      starts.set(id, []);
      s.add(id, 1000 + i * 10, async () => {
        starts.get(id)?.push(clock.t);
        clock.t += 3; // each run takes a little time
      });
    }
    await clock.advance(2 * 3600_000);
    assert.equal(clock.maxArmed, 1);
    for (const [id, times] of starts) {
      const interval = 1000 + Number(id.slice(1)) * 10;
      assert.ok(times.length >= Math.floor((2 * 3600_000) / interval) - 1, `${id} ran ${times.length} times`);
      // Each start is at most a few runs' time after its grid slot, and that never accumulates.
      const slot = (t: number) => (t - phaseOffset(id, interval)) % interval;
      assert.ok(times.every((t) => slot(t) < 200), `${id} drifted: ${times.map(slot).slice(-5).join(",")}`);
    }
  });

  test("a job never overlaps itself: slow runs skip periods and are counted", async () => {
    const clock = new FakeClock();
    let calls = 0;
    let overruns = 0;
    let release: () => void = () => undefined;
    const s = new Scheduler({ concurrency: 10, clock, onOverrun: () => overruns++ });
    s.add("slow", 1000, () => {
      calls++;
      return new Promise<void>((r) => (release = r));
    });
    await clock.advance(5000);
    assert.equal(calls, 1);
    assert.ok(overruns >= 4);
    release();
    await new Promise((r) => setImmediate(r)); // the run ends well before the next slot
    await clock.advance(1000);
    assert.equal(calls, 2, "the next period after the slow run ends runs again");
  });

  test("a global concurrency cap queues runs and reports how late each started", async () => {
    const clock = new FakeClock();
    const lateness: number[] = [];
    let running = 0;
    let peak = 0;
    const s = new Scheduler({ concurrency: 2, clock, onLateness: (_id, ms) => lateness.push(ms) });
    for (let i = 0; i < 6; i++) {
      s.add(`j${i}`, 60_000, () => {
        running++;
        peak = Math.max(peak, running);
        return new Promise<void>((r) => clock.setTimer(() => ((running -= 1), r()), 1000));
      }, 0);
    }
    await clock.advance(60_000 + 3000);
    assert.equal(peak, 2);
    assert.equal(lateness.length, 6);
    assert.ok(lateness.some((l) => l >= 1000), `some waited for a slot: ${lateness.join(",")}`);
  });

  test("removed jobs stop; re-adding with the same interval keeps the phase", async () => {
    const clock = new FakeClock();
    let a = 0;
    const s = new Scheduler({ concurrency: 5, clock });
    s.add("a", 1000, async () => void a++);
    await clock.advance(3000);
    const seen = a;
    s.remove("a");
    await clock.advance(5000);
    assert.equal(a, seen);
    assert.equal(s.size, 0);
    assert.equal(clock.timers.size, 0, "no timer left armed");
  });

  test("a rejected run is reported and the job goes on", async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    const s = new Scheduler({ concurrency: 1, clock, onError: (_id, e) => errors.push(e) });
    s.add("x", 1000, async () => {
      calls++;
      throw new Error("boom");
    });
    await clock.advance(3500);
    assert.ok(calls >= 3);
    assert.equal(errors.length, calls);
  });

  test("stop waits for runs in progress, then nothing more runs", async () => {
    const clock = new FakeClock();
    let finished = false;
    const s = new Scheduler({ concurrency: 1, clock });
    s.add("x", 1000, () => new Promise<void>((r) => setTimeout(() => ((finished = true), r()), 30)));
    await clock.advance(1000);
    await s.stop(1000);
    assert.equal(finished, true);
    assert.equal(clock.timers.size, 0);
  });

  test("one-shot deadlines share the one timer: fire once, move, clear, and a throwing one is reported", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const errors: string[] = [];
    const s = new Scheduler({ concurrency: 1, clock, onError: (id) => errors.push(id) });
    s.add("job", 1000, async () => {}, 0);
    for (let i = 0; i < 1000; i++) s.setDeadline(`d${i}`, clock.t + 500 + i, () => fired.push(`d${i}`));
    s.setDeadline("moved", clock.t + 100, () => fired.push("moved"));
    s.setDeadline("moved", clock.t + 5000, () => fired.push("moved"));
    s.setDeadline("cleared", clock.t + 200, () => fired.push("cleared"));
    s.clearDeadline("cleared");
    s.setDeadline("bad", clock.t + 300, () => {
      throw new Error("boom");
    });
    assert.equal(clock.maxArmed, 1);
    await clock.advance(2000);
    assert.equal(fired.length, 1000);
    assert.deepEqual(fired.slice(0, 3), ["d0", "d1", "d2"]);
    assert.deepEqual(errors, ["bad"]);
    assert.equal(s.deadlineCount, 1);
    await clock.advance(4000);
    assert.deepEqual(fired.slice(-1), ["moved"]);
    assert.equal(s.deadlineCount, 0);
    assert.equal(clock.maxArmed, 1, "never more than one timer armed");
  });
});
