/** Heartbeat monitors through the engine: deadlines in the scheduler, runs, durations, restarts. A fake scheduler clock; a real SQLite store. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { configOf, startEngine } from "../../test/helpers/engine.ts";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import type { Monitor } from "../config/model.ts";
import type { Engine } from "./engine.ts";

const S = 1000;
const MIN = 60 * S;

async function setup(yaml: string, clock: FakeClock, store?: Awaited<ReturnType<typeof sqliteStore>>) {
  const db = store ?? (await sqliteStore());
  const { engine, effects } = await startEngine(configOf(yaml), db.store, { clock });
  return { engine, effects, db };
}

const status = (e: Engine, id: string) => e.get(id)?.state.status;

describe("heartbeats in the engine", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test("a heartbeat that never checks in goes down one period plus grace after it was created, and a ping resolves it", async () => {
    const clock = new FakeClock();
    const t0 = clock.t;
    const { engine, effects, db } = await setup(`monitors: [{ name: backup, type: heartbeat, period: 10m, grace: 1m }]`, clock);
    cleanups.push(db.cleanup, async () => engine.stop());
    assert.equal(engine.heartbeats.view("backup")?.display, "new");
    await clock.advance(10 * MIN + 30 * S);
    assert.equal(engine.heartbeats.view("backup")?.display, "late", "past the period, within grace");
    assert.equal(status(engine, "backup"), "pending");
    await clock.advance(31 * S);
    assert.equal(status(engine, "backup"), "down");
    await engine.writer.flush();
    await engine.effects.drain();
    const opened = effects.find((e) => e.type === "incident.opened");
    assert.ok(opened, "an incident opened");
    assert.match(JSON.stringify(opened.payload), /no check-in for 660s since it was created/);
    assert.equal(opened.at, t0 + 11 * MIN, "the deadline fired at creation + period + grace");
    engine.heartbeats.ping("backup", { type: "success", at: clock.t });
    assert.equal(status(engine, "backup"), "up");
    await engine.writer.flush();
    await engine.effects.drain();
    assert.ok(effects.some((e) => e.type === "incident.resolved"), "the ping resolved the incident");
    assert.equal(engine.heartbeats.view("backup")?.deadlineAt, clock.t + 11 * MIN, "the next deadline counts from the ping");
  });

  test("runs: start → success with its duration, start → fail with an exit code, overlapping run ids, min/max run and a start that never finishes", async () => {
    const clock = new FakeClock();
    const { engine, db } = await setup(
      `
monitors:
  - { name: job, type: heartbeat, period: 1h, grace: 5m, minRun: 2s, maxRun: 10m, startGrace: 15m }
`,
      clock,
    );
    cleanups.push(db.cleanup, async () => engine.stop());
    const hb = engine.heartbeats;
    hb.ping("job", { type: "start", at: clock.t }, { bodyBytes: 0 });
    assert.equal(hb.view("job")?.display, "running");
    await clock.advance(90 * S);
    const done = hb.ping("job", { type: "success", at: clock.t }, { body: "all good", bodyBytes: 8 });
    assert.deepEqual(done, { ok: true, durationMs: 90 * S });
    assert.equal(status(engine, "job"), "up");

    hb.ping("job", { type: "start", at: clock.t, rid: "a" }, { bodyBytes: 0 });
    await clock.advance(5 * S);
    hb.ping("job", { type: "start", at: clock.t, rid: "b" }, { bodyBytes: 0 });
    await clock.advance(10 * S);
    assert.deepEqual(hb.ping("job", { type: "success", at: clock.t, rid: "b" }, { bodyBytes: 0 }), { ok: true, durationMs: 10 * S }, "run b timed from its own start");
    assert.deepEqual(hb.ping("job", { type: "fail", at: clock.t, rid: "a", exitCode: 3 }, { body: "disk full", bodyBytes: 9 }), { ok: true, durationMs: 15 * S });
    assert.equal(status(engine, "job"), "down");
    assert.match(engine.get("job")?.state.incident?.cause ?? "", /exit code 3/);
    hb.ping("job", { type: "success", at: clock.t }, { bodyBytes: 0 });
    assert.equal(status(engine, "job"), "up", "exit code 0 is a success");

    hb.ping("job", { type: "start", at: clock.t }, { bodyBytes: 0 });
    await clock.advance(1 * S);
    hb.ping("job", { type: "success", at: clock.t }, { bodyBytes: 0 });
    assert.match(engine.get("job")?.state.incident?.cause ?? "", /too fast: 1s < 2s/);
    hb.ping("job", { type: "success", at: clock.t }, { bodyBytes: 0 });
    hb.ping("job", { type: "start", at: clock.t }, { bodyBytes: 0 });
    await clock.advance(11 * MIN);
    hb.ping("job", { type: "success", at: clock.t }, { bodyBytes: 0 });
    assert.match(engine.get("job")?.state.incident?.cause ?? "", /took too long: 660s > 600s/);
    hb.ping("job", { type: "success", at: clock.t }, { bodyBytes: 0 });
    assert.equal(status(engine, "job"), "up");

    hb.ping("job", { type: "start", at: clock.t }, { bodyBytes: 0 });
    await clock.advance(15 * MIN + S);
    assert.equal(status(engine, "job"), "down", "a start with no finish within the start grace is a failure");
    assert.match(engine.get("job")?.state.incident?.cause ?? "", /started 90\d?s ago and has not finished/);

    await engine.writer.flush();
    const pings = await db.store.pings("job", { limit: 100 });
    const failed = pings.find((p) => p.kind === "fail");
    assert.deepEqual([failed?.exitCode, failed?.rid, failed?.durationMs, failed?.body], [3, "a", 15 * S, "disk full"]);
    assert.equal(pings.at(-1)?.body, undefined);
    assert.equal(pings.find((p) => p.body === "all good")?.durationMs, 90 * S, "the run's duration is stored with its finish");
  });

  test("a cron schedule in a time zone: due at 02:30 Berlin, across the spring-forward night", async () => {
    const clock = new FakeClock();
    // Saturday 2026-03-28 02:30 in Berlin (CET, UTC+1) = 01:30 UTC. The next night 02:30 does not exist: clocks jump 02:00 → 03:00 (01:00 UTC).
    clock.t = Date.UTC(2026, 2, 28, 1, 30);
    const { engine, db } = await setup(`monitors: [{ name: nightly, type: heartbeat, cron: "30 2 * * *", timezone: Europe/Berlin, grace: 10m }]`, clock);
    cleanups.push(db.cleanup, async () => engine.stop());
    engine.heartbeats.ping("nightly", { type: "success", at: clock.t });
    const deadline = engine.heartbeats.view("nightly")?.deadlineAt;
    assert.equal(new Date(deadline ?? 0).toISOString(), "2026-03-29T01:10:00.000Z", "the skipped 02:30 runs at the change (03:00 CEST = 01:00 UTC), plus 10 minutes");
    clock.t = Date.UTC(2026, 2, 29, 1, 9);
    await clock.advance(0);
    assert.equal(status(engine, "nightly"), "up");
    await clock.advance(61 * S);
    assert.equal(status(engine, "nightly"), "down");
  });

  test("memories survive a restart; heartbeats created at run time come back; a file reload leaves them alone", async () => {
    const clock = new FakeClock();
    const yaml = `monitors: [{ name: file-hb, type: heartbeat, period: 1h }]`;
    const first = await setup(yaml, clock);
    cleanups.push(first.db.cleanup);
    const created: Monitor = { id: "hb/made", name: "made", kind: "heartbeat", check: { type: "heartbeat", name: "made", period: "30m" }, groupPath: [], settings: configOf(yaml).monitors[0]!.settings, source: { format: "ping" } } as Monitor;
    await first.engine.create(created);
    first.engine.heartbeats.ping("hb/made", { type: "success", at: clock.t }, { bodyBytes: 0 });
    first.engine.heartbeats.ping("file-hb", { type: "start", at: clock.t, rid: "r" }, { bodyBytes: 0 });
    const summary = await first.engine.apply(configOf(yaml));
    assert.equal(summary.removed, 0, "the created heartbeat is not removed by a reload");
    await first.engine.stop();
    const lastPing = clock.t;
    await clock.advance(10 * MIN);
    const second = await setup(yaml, clock, first.db);
    cleanups.push(async () => second.engine.stop());
    assert.equal(second.engine.heartbeats.view("hb/made")?.lastPingAt, lastPing);
    assert.deepEqual(second.engine.heartbeats.view("file-hb")?.running, { r: lastPing }, "the run in progress is remembered");
    await clock.advance(21 * MIN);
    assert.equal(status(second.engine, "hb/made"), "down", "its deadline came from the remembered ping (30m + 1m grace)");
    assert.equal(await second.engine.delete("file-hb"), false, "a file-defined monitor cannot be deleted at run time");
    assert.equal(await second.engine.delete("hb/made"), true);
    assert.equal(second.engine.get("hb/made"), undefined);
  });
});
