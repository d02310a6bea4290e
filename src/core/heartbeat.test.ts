/** Heartbeat timing rules, table-tested with explicit clocks. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyPing, checkSilence, deadlineAt, expectedAt, type HeartbeatPolicy, heartbeatDisplay, type HeartbeatTrack } from "./heartbeat.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const hourly: HeartbeatPolicy = { schedule: { kind: "period", periodMs: 60 * MIN }, graceMs: 5 * MIN };
const fresh = (): HeartbeatTrack => ({ createdAt: T0, running: {} });

test("a job that never checks in goes down one period plus grace after it was created, not at once", () => {
  const t = fresh();
  assert.equal(deadlineAt(hourly, t), T0 + 65 * MIN);
  assert.equal(checkSilence("j", hourly, t, T0 + 1), undefined);
  assert.equal(heartbeatDisplay("pending", hourly, t, T0 + 1), "new");
  assert.equal(heartbeatDisplay("pending", hourly, t, T0 + 61 * MIN), "late");
  assert.equal(checkSilence("j", hourly, t, T0 + 64 * MIN), undefined, "still in grace");
  const o = checkSilence("j", hourly, t, T0 + 65 * MIN);
  assert.equal(o?.health, "down");
  assert.match(o?.reason ?? "", /no check-in for 3900s since it was created/);
});

test("each check-in moves the deadline; late while in grace, up again after a ping", () => {
  let t = fresh();
  t = applyPing("j", hourly, t, { type: "success", at: T0 + 10 * MIN }).track;
  assert.equal(expectedAt(hourly, t), T0 + 70 * MIN);
  assert.equal(heartbeatDisplay("up", hourly, t, T0 + 71 * MIN), "late");
  assert.equal(heartbeatDisplay("up", hourly, t, T0 + 69 * MIN), "up");
  assert.equal(checkSilence("j", hourly, t, T0 + 74 * MIN), undefined);
  assert.equal(checkSilence("j", hourly, t, T0 + 75 * MIN)?.health, "down");
});

test("start then success measures the run; min and max duration are failures with their own cause", () => {
  const p: HeartbeatPolicy = { ...hourly, minRunMs: 5000, maxRunMs: 60_000 };
  const run = (ms: number) => {
    const started = applyPing("j", p, fresh(), { type: "start", at: T0 }).track;
    assert.equal(heartbeatDisplay("up", p, started, T0 + 1), "running");
    return applyPing("j", p, started, { type: "success", at: T0 + ms }).observation;
  };
  assert.deepEqual([run(10_000)?.health, run(10_000)?.timings?.totalMs], ["up", 10_000]);
  assert.match(run(2000)?.reason ?? "", /too fast: 2s < 5s/);
  assert.match(run(90_000)?.reason ?? "", /too long: 90s > 60s/);
});

test("a failure ping or a non-zero exit code is a down observation naming it", () => {
  const o = applyPing("j", hourly, fresh(), { type: "fail", at: T0, exitCode: 3 }).observation;
  assert.equal(o?.health, "down");
  assert.equal(o?.reason, "the job failed with exit code 3");
  assert.equal(applyPing("j", hourly, fresh(), { type: "fail", at: T0 }).observation?.reason, "the job reported a failure");
  assert.equal(applyPing("j", hourly, fresh(), { type: "log", at: T0 }).observation, undefined, "a log ping changes nothing");
});

test("run ids keep overlapping runs apart", () => {
  let t = applyPing("j", hourly, fresh(), { type: "start", at: T0, rid: "a" }).track;
  t = applyPing("j", hourly, t, { type: "start", at: T0 + 1000, rid: "b" }).track;
  const a = applyPing("j", hourly, t, { type: "success", at: T0 + 5000, rid: "a" });
  assert.equal(a.observation?.timings?.totalMs, 5000);
  assert.deepEqual(Object.keys(a.track.running), ["b"]);
  const b = applyPing("j", hourly, a.track, { type: "success", at: T0 + 3000, rid: "b" });
  assert.equal(b.observation?.timings?.totalMs, 2000);
});

test("a started run that never finishes fails after the start grace", () => {
  const p: HeartbeatPolicy = { ...hourly, startGraceMs: 10 * MIN };
  const t = applyPing("j", p, fresh(), { type: "start", at: T0 }).track;
  assert.equal(checkSilence("j", p, t, T0 + 9 * MIN), undefined);
  assert.match(checkSilence("j", p, t, T0 + 10 * MIN)?.reason ?? "", /started 600s ago and has not finished/);
});

test("Lovebeat timeouts: fixed, none (-1), and 0 meaning at once", () => {
  const t: HeartbeatTrack = { createdAt: T0, lastPingAt: T0, running: {} };
  assert.equal(deadlineAt({ schedule: { kind: "timeout", timeoutMs: 30_000 }, graceMs: 0 }, t), T0 + 30_000);
  assert.equal(deadlineAt({ schedule: { kind: "timeout", timeoutMs: -1 }, graceMs: 0 }, t), undefined);
  assert.equal(checkSilence("s", { schedule: { kind: "timeout", timeoutMs: 0 }, graceMs: 0 }, t, T0)?.health, "down");
});

test("cron: the next occurrence after the last check-in, plus grace", () => {
  // Every day at 02:00 UTC, written as a plain function here; the cron parser supplies it in the engine.
  const next = (after: number) => {
    const d = new Date(after);
    const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 2);
    return at > after ? at : at + 86_400_000;
  };
  const p: HeartbeatPolicy = { schedule: { kind: "cron", next }, graceMs: 30 * MIN };
  const t: HeartbeatTrack = { createdAt: T0, lastPingAt: Date.UTC(2026, 10, 21, 2, 1), running: {} };
  assert.equal(deadlineAt(p, t), Date.UTC(2026, 10, 22, 2, 30));
});
