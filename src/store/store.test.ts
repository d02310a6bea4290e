/** The store contract: the same suite against SQLite and PostgreSQL. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestStore, postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore } from "../../test/helpers/stores.ts";
import type { MonitorState } from "../core/monitor-state.ts";
import { BUCKET_MS, bucketStart } from "./rollups.ts";
import { sketchDecode, sketchQuantile } from "./sketch.ts";
import type { MonitorRecord, RollupRecord, Store, WriteBatch } from "./types.ts";
import { DEFAULT_RETENTION, emptyBatch } from "./types.ts";

const T0 = Date.UTC(2026, 10, 20, 12, 30, 0);
const HOUR = BUCKET_MS.hour;
const DAY = BUCKET_MS.day;

function mon(id: string, extra: Partial<MonitorRecord> = {}): MonitorRecord {
  return { id, name: id.toUpperCase(), kind: "http", groupPath: ["g"], source: "native", definition: { url: `http://127.0.0.1/${id}` }, ...extra };
}

function batch(over: Partial<WriteBatch>): WriteBatch {
  return { ...emptyBatch(), ...over };
}

function rollup(seq: number, bucket: number, checks: number, failures: number, extra: Partial<RollupRecord> = {}): RollupRecord {
  return { seq, bucket, checks, failures, degraded: 0, downMs: failures * 60_000, latCount: checks - failures, latSum: (checks - failures) * 100, latMin: 50, latMax: 150, sketch: "", ...extra };
}

function contract(name: string, make: () => Promise<TestStore>, skip: () => Promise<string | undefined>) {
  describe(`store contract: ${name}`, () => {
    let t: TestStore;
    let s: Store;
    let skipReason: string | undefined;
    before(async () => {
      skipReason = await skip();
      if (skipReason && REQUIRE_SERVICES) throw new Error(`${skipReason} (UPBEAT_REQUIRE_SERVICES=1)`);
      if (skipReason) return;
      t = await make();
      s = t.store;
    });
    after(async () => t?.cleanup());
    const it = (title: string, fn: () => Promise<void>): void => {
      test(title, async (tc) => {
        if (skipReason) return tc.skip(skipReason);
        await fn();
      });
    };

    it("syncs definitions: stable keys, changes, removal and return", async () => {
      const ids = await s.syncMonitors([mon("a"), mon("b")], T0);
      const a = ids.get("a");
      assert.ok(a !== undefined && ids.get("b") !== undefined && a !== ids.get("b"));
      await s.syncMonitors([mon("a", { name: "Renamed" })], T0 + 1000);
      let list = await s.listMonitors();
      assert.deepEqual(list.map((m) => [m.id, m.name, m.status]), [["a", "Renamed", "pending"]]);
      assert.equal(list[0]?.updatedAt, T0 + 1000);
      assert.deepEqual(list[0]?.groupPath, ["g"]);
      const again = await s.syncMonitors([mon("a", { name: "Renamed" }), mon("b")], T0 + 2000);
      assert.equal(again.get("a"), a, "a key never changes");
      list = await s.listMonitors();
      assert.deepEqual(list.map((m) => m.id), ["a", "b"]);
      assert.equal(await s.getMonitor("nope"), undefined);
    });

    it("commits results, state, incidents and outbox in one batch, and loads them back", async () => {
      const ids = await s.syncMonitors([mon("a"), mon("b")], T0);
      const seq = ids.get("a") as number;
      const incident = { number: 1, openedAt: T0, cause: "HTTP 503" };
      const state: MonitorState = { monitorId: "a", status: "down", since: T0, failures: 1, successes: 0, lastIncidentNumber: 1, incident, lastReminderAt: T0 };
      const last = { monitorId: "a", at: T0, health: "down" as const, durationMs: 12.5, statusCode: 503, phase: "assert", failure: "assertion", reason: "HTTP 503", region: "local" };
      const ob = await s.commit(
        batch({
          results: [{ seq, at: T0, health: "down", durationMs: 12.5, statusCode: 503, phase: "assert", failure: "assertion", reason: "HTTP 503", region: "local", detail: { attempts: [{ attempt: 1, totalMs: 12.5 }] } }],
          states: [{ seq, state, lastResult: last }],
          incidents: [{ seq, incident }],
          outbox: [{ monitorId: "a", type: "incident.opened", at: T0, payload: { incident } }],
        }),
      );
      assert.equal(ob.length, 1);
      const loaded = (await s.loadStates()).find((x) => x.monitorId === "a");
      assert.deepEqual(loaded?.state, state);
      const view = await s.getMonitor("a");
      assert.equal(view?.status, "down");
      assert.deepEqual(view?.incident, incident);
      assert.deepEqual(view?.lastResult, last);
      const results = await s.results("a", { limit: 10 });
      assert.equal(results.length, 1);
      assert.deepEqual(results[0]?.detail, { attempts: [{ attempt: 1, totalMs: 12.5 }] });
      assert.equal(results[0]?.statusCode, 503);
      const pending = await s.outbox("pending", 10);
      assert.equal(pending.length, 1);
      assert.deepEqual(pending[0]?.payload, { incident });
      await s.markOutbox([ob[0] as number], "done", T0 + 5);
      assert.equal((await s.outbox("pending", 10)).length, 0);
      assert.equal((await s.outbox("done", 10))[0]?.attempts, 1);

      // Resolution: same incident number updated in place; the state has no incident.
      const resolved = { ...incident, resolvedAt: T0 + 65_000, durationSec: 65, resolution: "recovered" as const };
      const upState: MonitorState = { monitorId: "a", status: "up", since: T0 + 65_000, failures: 0, successes: 1, lastIncidentNumber: 1 };
      await s.commit(batch({ states: [{ seq, state: upState }], incidents: [{ seq, incident: resolved }] }));
      assert.deepEqual((await s.loadStates()).find((x) => x.monitorId === "a")?.state, upState);
      assert.deepEqual(await s.incidents({ open: true, limit: 10 }), []);
      assert.deepEqual(await s.incidents({ monitorId: "a", limit: 10 }), [{ monitorId: "a", ...resolved }]);
      assert.deepEqual((await s.getMonitor("a"))?.lastResult, last, "a state written without a result keeps the last result");
    });

    it("a failed batch writes nothing", async () => {
      const ids = await s.syncMonitors([mon("a"), mon("b")], T0);
      const seq = ids.get("a") as number;
      const before = await s.countResults();
      const bad = batch({
        results: [{ seq, at: T0 + 1, health: "up", durationMs: 1, region: "local" }],
        // A null status violates NOT NULL: the whole transaction must roll back.
        states: [{ seq, state: { monitorId: "a", status: null as unknown as "up", since: T0, failures: 0, successes: 0, lastIncidentNumber: 0 } }],
      });
      await assert.rejects(s.commit(bad));
      assert.equal(await s.countResults(), before);
    });

    it("writes rollups in full and merges into a stored row after a restart", async () => {
      const seq = (await s.syncMonitors([mon("a"), mon("b")], T0)).get("b") as number;
      const bucket = bucketStart("minute", T0);
      await s.commit(batch({ rollups: [{ size: "minute", row: rollup(seq, bucket, 6, 1, { sketch: "10:5" }), merge: false }] }));
      await s.commit(batch({ rollups: [{ size: "minute", row: rollup(seq, bucket, 2, 0, { latMin: 20, latMax: 400, sketch: "30:2" }), merge: true }] }));
      const r = await s.rollup("minute", seq, bucket);
      assert.equal(r?.checks, 8);
      assert.equal(r?.failures, 1);
      assert.equal(r?.latCount, 7);
      assert.equal(r?.latMin, 20);
      assert.equal(r?.latMax, 400);
      assert.deepEqual([...sketchDecode(r?.sketch)], [[10, 5], [30, 2]]);
      assert.ok((sketchQuantile(sketchDecode(r?.sketch), 0.99) ?? 0) > 10);
      const range = await s.rollups("minute", "b", bucket - 60_000, bucket + 60_000);
      assert.equal(range.length, 1);
      assert.deepEqual((await s.rollupsAt("minute", bucket)).map((x) => x.checks), [8]);
    });

    it("uptime for 24h/7d/30d/90d/365d comes from hour and day rollups in one query", async () => {
      const ids = await s.syncMonitors([mon("a"), mon("b"), mon("c")], T0);
      const c = ids.get("c") as number;
      const hour = bucketStart("hour", T0);
      const day = bucketStart("day", T0);
      const rollups: WriteBatch["rollups"] = [
        // This hour: 60 checks, 6 down. Two days ago (inside 7d only): 60 checks, 60 down.
        { size: "hour", row: rollup(c, hour, 60, 6), merge: false },
        { size: "hour", row: rollup(c, hour - 48 * HOUR, 60, 60), merge: false },
        // Days: today 100/10; 20 days ago 100/0; 60 days ago 100/50; 200 days ago 100/100; 400 days ago (outside) 100/100.
        { size: "day", row: rollup(c, day, 100, 10), merge: false },
        { size: "day", row: rollup(c, day - 20 * DAY, 100, 0), merge: false },
        { size: "day", row: rollup(c, day - 60 * DAY, 100, 50), merge: false },
        { size: "day", row: rollup(c, day - 200 * DAY, 100, 100), merge: false },
        { size: "day", row: rollup(c, day - 400 * DAY, 100, 100), merge: false },
      ];
      await s.commit(batch({ rollups }));
      const u = (await s.uptime(T0, ["c"])).get("c");
      assert.ok(u);
      assert.equal(u["24h"].checks, 60);
      assert.equal(u["24h"].uptimePct, 90);
      assert.equal(u["24h"].downtimeSec, 360);
      assert.equal(u["24h"].latencyAvgMs, 100);
      assert.equal(u["7d"].checks, 120);
      assert.equal(u["7d"].uptimePct, 45);
      assert.equal(u["30d"].uptimePct, 95);
      assert.equal(u["90d"].checks, 300);
      assert.ok(Math.abs((u["90d"].uptimePct ?? 0) - 80) < 1e-9);
      assert.equal(u["365d"].checks, 400);
      assert.equal(u["365d"].uptimePct, 60);
      assert.equal(u["365d"].latencyMinMs, 50);
      const all = await s.uptime(T0);
      assert.ok(all.has("c"));
      assert.equal((await s.uptime(T0, [])).size, 0);
    });

    it("prunes expired results and rollups in bounded batches, keeping the rest", async () => {
      const seq = (await s.syncMonitors([mon("a"), mon("b"), mon("c")], T0)).get("a") as number;
      const old = T0 - 20 * DAY;
      const results = Array.from({ length: 30 }, (_, i) => ({ seq, at: old + i, health: "up" as const, durationMs: 1, region: "local" }));
      results.push({ seq, at: T0 - 1000, health: "up", durationMs: 1, region: "local" });
      await s.commit(batch({ results, rollups: [{ size: "minute", row: rollup(seq, bucketStart("minute", T0 - 3 * DAY), 1, 0), merge: false }] }));
      const total = await s.countResults();
      const first = await s.prune(T0, DEFAULT_RETENTION, 10);
      assert.ok(first >= 10 && first <= 11 + 10, `pruned ${first}`);
      while ((await s.prune(T0, DEFAULT_RETENTION, 10)) > 0);
      assert.ok((await s.countResults()) <= total - 30);
      assert.deepEqual(await s.results("a", { limit: 100, before: T0 - 14 * DAY }), [], "nothing older than 14 days is left");
      assert.ok((await s.results("a", { limit: 5, after: T0 - 2000 })).some((r) => r.at === T0 - 1000), "a recent result is kept");
      assert.equal(await s.rollup("minute", seq, bucketStart("minute", T0 - 3 * DAY)), undefined);
    });

    it("keeps up results for upResultsDays and failures for resultsDays, walking past the failures it keeps", async () => {
      // A store of its own: the walk stops at the first row not yet expired, and other tests' rows are recent.
      const own = await make();
      try {
        await upPrune(own.store);
      } finally {
        await own.cleanup();
      }
    });
    async function upPrune(s: Store): Promise<void> {
      const seq = (await s.syncMonitors([mon("up-prune")], T0)).get("up-prune") as number;
      const at = (daysAgo: number, i: number) => T0 - daysAgo * DAY + i;
      // Oldest first, as the engine writes: 5 days ago a failure among successes, then the same 1 day ago.
      const results = [5, 1].flatMap((d) => Array.from({ length: 12 }, (_, i) => ({ seq, at: at(d, i), health: i === 3 ? ("down" as const) : ("up" as const), durationMs: 1, region: "local", ...(i === 3 ? { failure: "refused" } : {}) })));
      await s.commit(batch({ results }));
      const retention = { ...DEFAULT_RETENTION, resultsDays: 14, upResultsDays: 2 };
      // Batches of 4 ids: the failure kept 5 days ago must not stop the walk.
      while ((await s.prune(T0, retention, 4)) > 0);
      const left = await s.results("up-prune", { limit: 100 });
      assert.deepEqual(
        left.map((r) => [Math.round((T0 - r.at) / DAY), r.health]).sort(),
        [[5, "down"], ...Array.from({ length: 12 }, (_, i) => [1, i === 3 ? "down" : "up"])].sort(),
      );
      // A shorter `results` wins over a longer `upResultsDays`.
      while ((await s.prune(T0, { ...retention, resultsDays: 0.5, upResultsDays: 3 }, 4)) > 0);
      assert.deepEqual(await s.results("up-prune", { limit: 100 }), []);
      // A row stamped far in the future (a skewed clock) does not stop the walk for good.
      await s.commit(batch({ results: [{ seq, at: T0 + 400 * DAY, health: "up", durationMs: 1, region: "x" }, ...[0, 1, 2].map((i) => ({ seq, at: at(3, i), health: "up" as const, durationMs: 1, region: "local" }))] }));
      while ((await s.prune(T0, retention, 4)) > 0);
      assert.deepEqual((await s.results("up-prune", { limit: 100 })).map((r) => r.region), ["x"]);
    }

    it("stores a plain success's timings compactly and gives them back whole", async () => {
      const seq = (await s.syncMonitors([mon("compact")], T0)).get("compact") as number;
      const timings = { dnsMs: 0.05, connectMs: 0.31, ttfbMs: 1.2, transferMs: 0.1, totalMs: 1.74 };
      const failure = { attempts: [{ attempt: 1, health: "down", timings: { connectMs: 1, totalMs: 1 } }], assertions: [], facts: { statusCode: 503 } };
      await s.commit(
        batch({
          results: [
            { seq, at: T0 - 3000, health: "up", durationMs: 1.74, region: "local", detail: { timings } },
            { seq, at: T0 - 2000, health: "up", durationMs: 0.4, region: "local", detail: { timings: { connectMs: 0.4, totalMs: 0.4 } } },
            { seq, at: T0 - 1000, health: "down", durationMs: 1, region: "local", detail: failure },
          ],
        }),
      );
      const got = await s.results("compact", { limit: 10 });
      const byAt = new Map(got.map((r) => [r.at, r.detail]));
      assert.deepEqual(byAt.get(T0 - 3000), { timings });
      assert.deepEqual(byAt.get(T0 - 2000), { timings: { connectMs: 0.4, totalMs: 0.4 } });
      assert.deepEqual(byAt.get(T0 - 1000), failure);
      const raw = await t.store.db.selectFrom("results").select("detail").where("monitor_seq", "=", seq).orderBy("at").execute();
      assert.equal(raw[0]?.detail, "[1.74,0.05,0.31,null,1.2,0.1]");
      assert.equal(raw[1]?.detail, "[0.4,null,0.4]");
    });

    it("lists the incidents open at some point since a time: opened or resolved since, or still open", async () => {
      const ids = await s.syncMonitors([mon("since-a"), mon("since-b")], T0);
      const [a, b] = [ids.get("since-a") as number, ids.get("since-b") as number];
      const closed = (number: number, openedAt: number, resolvedAt: number) => ({ number, openedAt, cause: "HTTP 503", resolvedAt, durationSec: (resolvedAt - openedAt) / 1000, resolution: "recovered" as const });
      await s.commit(
        batch({
          incidents: [
            { seq: a, incident: closed(1, T0 - 3 * DAY, T0 - 2 * DAY) },
            { seq: a, incident: closed(2, T0 - 2 * DAY, T0 - HOUR) },
            { seq: a, incident: closed(3, T0 - 30 * 60_000, T0 - 20 * 60_000) },
            { seq: b, incident: { number: 1, openedAt: T0 - 5 * DAY, cause: "timeout" } },
          ],
        }),
      );
      const since = await s.incidents({ since: T0 - DAY, limit: 10 });
      assert.deepEqual(since.filter((i) => i.monitorId.startsWith("since-")).map((i) => `${i.monitorId}#${i.number}`), ["since-a#3", "since-a#2", "since-b#1"]);
    });

    it("keeps Cupcake's active table with its own columns", async () => {
      const key: [string, string, string, string] = ["customer", "ABC", "production", "web"];
      await s.commit(batch({ activeInserts: [{ key, timestamp: 1704164645, message: "M", url: "http://127.0.0.1:1/ok" }] }));
      assert.deepEqual(await s.cupcakeActives(), [{ key, timestamp: 1704164645, message: "M", url: "http://127.0.0.1:1/ok" }]);
      await s.commit(batch({ activeDeletes: [key] }));
      assert.deepEqual(await s.cupcakeActives(), []);
    });

    it("keeps run-time monitors through a file sync, with their heartbeat memory and pings", async () => {
      const files = await s.syncMonitors([mon("f1")], T0);
      const dyn = await s.addMonitors([mon("lovebeat/x", { kind: "heartbeat", source: "lovebeat" }), mon("hb/y", { kind: "heartbeat", source: "ping" })], T0);
      const x = dyn.get("lovebeat/x") as number;
      assert.ok(x !== undefined && x !== files.get("f1"));
      await s.syncMonitors([], T0 + 1000);
      let ids = (await s.listMonitors()).map((m) => m.id);
      assert.ok(ids.includes("lovebeat/x") && ids.includes("hb/y"), "a file reload leaves run-time monitors alone");
      assert.ok(!ids.includes("f1"), "a file monitor no longer listed is removed");
      assert.deepEqual((await s.monitorsBySource("lovebeat")).map((m) => m.id), ["lovebeat/x"]);
      await s.commit(batch({ tracks: [{ seq: x, track: { lastPingAt: T0, running: {} } }, { seq: x, track: { lastPingAt: T0 + 5, running: { r1: T0 } } }] }));
      assert.deepEqual((await s.loadTracks()).get("lovebeat/x"), { lastPingAt: T0 + 5, running: { r1: T0 } }, "the last memory in a batch wins");
      const y = dyn.get("hb/y") as number;
      await s.commit(batch({ pings: [{ seq: y, at: T0, kind: "start", rid: "r1", bodyBytes: 0 }, { seq: y, at: T0 + 2000, kind: "fail", rid: "r1", exitCode: 3, durationMs: 2000, body: "disk full\n", bodyBytes: 150_000, remote: "127.0.0.1" }] }));
      const pings = await s.pings("hb/y", { limit: 10 });
      assert.deepEqual(pings.map((p) => [p.kind, p.exitCode, p.durationMs, p.body, p.bodyBytes, p.rid]), [["fail", 3, 2000, "disk full\n", 150_000, "r1"], ["start", undefined, undefined, undefined, 0, "r1"]]);
      assert.equal((await s.pings("hb/y", { limit: 10, before: T0 + 1 })).length, 1);
      await s.removeMonitors(["lovebeat/x"], T0 + 3000);
      ids = (await s.listMonitors()).map((m) => m.id);
      assert.ok(!ids.includes("lovebeat/x"));
      assert.equal((await s.loadTracks()).has("lovebeat/x"), false, "a removed monitor's memory is not loaded");
      const again = await s.addMonitors([mon("lovebeat/x", { kind: "heartbeat", source: "lovebeat" })], T0 + 4000);
      assert.equal(again.get("lovebeat/x"), x, "a monitor added again keeps its key");
      assert.ok((await s.listMonitors()).some((m) => m.id === "lovebeat/x"));
    });

    it("queues deliveries once per key, with the outbox entry marked done in the same transaction; retries, dead letters", async () => {
      const ob = await s.commit(batch({ outbox: [{ monitorId: "a", type: "incident.opened", at: T0, payload: {} }] }));
      const row = (key: string, notBefore = T0) => ({ key, channel: "ops-slack", groupKey: "g1", payload: { title: key }, notBefore });
      await s.enqueueDeliveries([row("a#1:opened:ops-slack"), row("b#1:opened:ops-slack", T0 + 30_000)], ob, T0);
      assert.deepEqual((await s.outbox("pending", 10)).filter((o) => ob.includes(o.id)), [], "the outbox entry is done");
      await s.enqueueDeliveries([row("a#1:opened:ops-slack")], [], T0 + 1);
      let due = await s.dueDeliveries(T0, 10);
      assert.deepEqual(due.map((d) => [d.key, d.payload, d.attempts]), [["a#1:opened:ops-slack", { title: "a#1:opened:ops-slack" }, 0]], "a key queued twice is one delivery; the grouped one waits");
      await s.markDeliveries([due[0]!.id], { status: "pending", at: T0, notBefore: T0 + 5000, error: "HTTP 503" });
      assert.deepEqual(await s.dueDeliveries(T0 + 4999, 10), []);
      due = await s.dueDeliveries(T0 + 30_000, 10);
      assert.deepEqual(due.map((d) => [d.key, d.attempts, d.lastError ?? null]), [["a#1:opened:ops-slack", 1, "HTTP 503"], ["b#1:opened:ops-slack", 0, null]]);
      await s.markDeliveries([due[0]!.id], { status: "dead", at: T0 + 30_000, error: "HTTP 400" });
      await s.markDeliveries([due[1]!.id], { status: "done", at: T0 + 30_000 });
      assert.deepEqual((await s.deliveries({ status: "dead", limit: 10 })).map((d) => [d.key, d.attempts, d.doneAt]), [["a#1:opened:ops-slack", 2, T0 + 30_000]]);
      assert.deepEqual(await s.dueDeliveries(T0 + 99_000, 10), []);
    });

    it("finds a delivery by key; puts dead ones back to pending with attempts afresh and the last error kept, nothing else", async () => {
      const row = (key: string) => ({ key, channel: "ops-mail", groupKey: "g2", payload: { title: key }, notBefore: T0 });
      await s.enqueueDeliveries([row("c#1:opened:ops-mail"), row("c/d#1:opened:ops-mail")], [], T0);
      const [c, cd] = [(await s.deliveries({ key: "c#1:opened:ops-mail", limit: 5 }))[0], (await s.deliveries({ key: "c/d#1:opened:ops-mail", limit: 5 }))[0]];
      assert.ok(c && cd);
      assert.deepEqual(await s.deliveries({ key: "nope", limit: 5 }), []);
      await s.markDeliveries([c.id], { status: "dead", at: T0 + 10, error: "HTTP 404" });
      await s.markDeliveries([cd.id], { status: "done", at: T0 + 10 });
      assert.equal(await s.requeueDeliveries(["c#1:opened:ops-mail", "c/d#1:opened:ops-mail", "nope"], T0 + 500), 1, "only the dead one is requeued");
      const [again] = await s.deliveries({ key: "c#1:opened:ops-mail", limit: 1 });
      assert.deepEqual([again?.status, again?.attempts, again?.notBefore, again?.doneAt, again?.lastError], ["pending", 0, T0 + 500, undefined, "HTTP 404"]);
      assert.equal((await s.deliveries({ key: "c/d#1:opened:ops-mail", limit: 1 }))[0]?.status, "done", "a sent delivery stays sent");
      assert.ok((await s.dueDeliveries(T0 + 500, 50)).some((d) => d.key === "c#1:opened:ops-mail"));
      assert.equal(await s.requeueDeliveries(["c#1:opened:ops-mail"], T0 + 600), 0, "a pending one is not dead");
    });

    it("survives a reopen: migrations are idempotent and data is kept", async () => {
      const before = await s.listMonitors();
      const again = await t.reopen();
      assert.deepEqual((await again.listMonitors()).map((m) => m.id), before.map((m) => m.id));
    });
  });
}

contract("sqlite", sqliteStore, async () => undefined);
contract("postgres", postgresStore, postgresUnavailable);
