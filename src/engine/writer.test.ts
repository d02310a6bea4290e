/** The batching writer against a real SQLite store. */
import assert from "node:assert/strict";
import BetterSqlite3 from "better-sqlite3";
import { once } from "node:events";
import { createRequire } from "node:module";
import { after, test } from "node:test";
import { Worker } from "node:worker_threads";
import { quietLog } from "../../test/helpers/engine.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import type { Store, WriteBatch } from "../store/types.ts";
import { BatchWriter } from "./writer.ts";

const require = createRequire(import.meta.url);
const stores: TestStore[] = [];
after(async () => {
  for (const s of stores) await s.cleanup();
});

async function fresh(): Promise<{ store: Store; seq: number }> {
  const t = await sqliteStore();
  stores.push(t);
  const seq = (await t.store.syncMonitors([{ id: "m", name: "m", kind: "http", groupPath: [], source: "native", definition: {} }], 0)).get("m") as number;
  return { store: t.store, seq };
}

test("a commit the database refuses is retried with everything in order; nothing accepted is lost", async () => {
  const { store, seq } = await fresh();
  let refuse = 2;
  const flaky: Store = Object.assign(Object.create(store) as Store, {
    commit: (b: WriteBatch) => (refuse-- > 0 ? Promise.reject(new Error("database is locked")) : store.commit(b)),
  });
  const committed: string[] = [];
  const w = new BatchWriter({ store: flaky, flushMs: 5, maxBatch: 1000, log: quietLog, onCommitted: (e) => committed.push(...e.map((x) => x.record.type)) });
  for (let i = 0; i < 5; i++) {
    w.add({ results: [{ seq, at: 1000 + i, health: "up", durationMs: i, region: "local" }], outbox: [{ monitorId: "m", type: `e${i}`, at: 1000 + i, payload: {} }] });
    await new Promise((r) => setTimeout(r, 3));
  }
  await w.close();
  assert.equal(refuse, -1, "two refusals, then success");
  assert.equal(await store.countResults(), 5);
  assert.deepEqual(committed, ["e0", "e1", "e2", "e3", "e4"], "effects handed on once each, in order, after the commit");
  assert.deepEqual((await store.results("m", { limit: 10 })).map((r) => r.at), [1004, 1003, 1002, 1001, 1000]);
});

test("rollups: a new minute writes the finished one; hour and day keep adding; durable() waits for the commit", async () => {
  const { store, seq } = await fresh();
  const w = new BatchWriter({ store, flushMs: 1000, maxBatch: 1000, log: quietLog });
  const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
  w.sample(seq, t0 + 1000, { health: "up", latencyMs: 10, downMs: 0 });
  w.sample(seq, t0 + 2000, { health: "down", downMs: 1000 });
  w.sample(seq, t0 + 61_000, { health: "degraded", latencyMs: 30, downMs: 0 });
  await w.durable();
  const m0 = await store.rollup("minute", seq, t0);
  const m1 = await store.rollup("minute", seq, t0 + 60_000);
  const h = await store.rollup("hour", seq, t0);
  assert.deepEqual([m0?.checks, m0?.failures, m0?.downMs, m0?.latCount], [2, 1, 1000, 1]);
  assert.deepEqual([m1?.checks, m1?.degraded, m1?.latMax], [1, 1, 30]);
  assert.deepEqual([h?.checks, h?.failures, h?.degraded, h?.latMin, h?.latMax], [3, 1, 1, 10, 30]);
  // A restart mid-hour continues the stored row instead of overwriting it.
  const w2 = new BatchWriter({ store, flushMs: 1, maxBatch: 1000, log: quietLog });
  w2.preload([{ size: "hour", row: h as NonNullable<typeof h> }]);
  w2.sample(seq, t0 + 120_000, { health: "up", latencyMs: 5, downMs: 0 });
  await w2.close();
  const h2 = await store.rollup("hour", seq, t0);
  assert.deepEqual([h2?.checks, h2?.latMin], [4, 5]);
});

test("durable({ rowsOnly }) commits the rows at once and lets the open rollups follow within rollupFlushMs; durable() waits for both", async () => {
  const { store, seq } = await fresh();
  const w = new BatchWriter({ store, flushMs: 300, maxBatch: 1000, log: quietLog, rollupFlushMs: 300 });
  const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
  const result = (at: number) => ({ seq, at, health: "up" as const, durationMs: 1, region: "local" });
  w.sample(seq, t0, { health: "up", latencyMs: 1, downMs: 0 });
  await w.durable();
  assert.equal((await store.rollup("minute", seq, t0))?.checks, 1);
  w.add({ results: [result(t0 + 1000)] });
  w.sample(seq, t0 + 1000, { health: "up", latencyMs: 1, downMs: 0 });
  await w.durable({ rowsOnly: true });
  assert.equal((await store.results("m", { limit: 10 })).length, 1, "the row is committed");
  assert.equal((await store.rollup("minute", seq, t0))?.checks, 1, "the rollup has not been rewritten yet");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await store.rollup("minute", seq, t0))?.checks, 2, "the rollup followed within rollupFlushMs");
  w.add({ results: [result(t0 + 2000)] });
  w.sample(seq, t0 + 2000, { health: "up", latencyMs: 1, downMs: 0 });
  await w.durable();
  assert.equal((await store.rollup("minute", seq, t0))?.checks, 3, "a plain durable() includes the rollups");
  await w.close();
});

test("a busy monitor's open rollups are rewritten once a window, not on every commit; due ones go a batch per commit", async () => {
  const t = await sqliteStore();
  stores.push(t);
  const ids = Array.from({ length: 25 }, (_, i) => `m${String(i)}`);
  const seqs = await t.store.syncMonitors(ids.map((id) => ({ id, name: id, kind: "http", groupPath: [], source: "native", definition: {} })), 0);
  const seq = seqs.get("m0") as number;
  let commits = 0;
  let mostRollups = 0;
  const counting: Store = Object.assign(Object.create(t.store) as Store, {
    commit: (b: WriteBatch) => {
      commits++;
      mostRollups = Math.max(mostRollups, b.rollups.length);
      return t.store.commit(b);
    },
  });
  const w = new BatchWriter({ store: counting, flushMs: 2, maxBatch: 1000, maxRollupsPerCommit: 10, log: quietLog, rollupFlushMs: 400 });
  const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
  w.sample(seq, t0, { health: "up", latencyMs: 1, downMs: 0 });
  await w.durable();
  assert.equal((await t.store.rollup("minute", seq, t0))?.checks, 1);
  const before = commits;
  for (let i = 1; i <= 20; i++) {
    w.add({ results: [{ seq, at: t0 + i, health: "up", durationMs: 1, region: "local" }] });
    w.sample(seq, t0 + i, { health: "up", latencyMs: 1, downMs: 0 });
    await w.durable({ rowsOnly: true });
  }
  assert.ok(commits - before >= 20, `every result committed on its own (${String(commits - before)} commits)`);
  assert.equal(await t.store.countResults(), 20);
  assert.equal((await t.store.rollup("minute", seq, t0))?.checks, 1, "the open rollup was not rewritten by those commits");
  // 25 monitors' rollups (75 rows) come due at once: written in commits of at most 10.
  for (const s of seqs.values()) w.sample(s, t0 + 30, { health: "down", downMs: 0 });
  await new Promise((r) => setTimeout(r, 700));
  assert.equal((await t.store.rollup("minute", seq, t0))?.checks, 22, "written once the window was up, without anyone waiting");
  for (const s of seqs.values()) assert.equal((await t.store.rollup("day", s, Date.UTC(2026, 0, 1)))?.failures, 1, `day rollup of monitor ${String(s)}`);
  assert.ok(mostRollups <= 10, `no commit carried more than 10 rollups unawaited (most: ${String(mostRollups)})`);
  await w.close();
});

test("due rollups split over several commits follow each other closely while rows keep coming", async () => {
  const t = await sqliteStore();
  stores.push(t);
  const ids = Array.from({ length: 40 }, (_, i) => `m${String(i)}`);
  const seqs = [...(await t.store.syncMonitors(ids.map((id) => ({ id, name: id, kind: "http", groupPath: [], source: "native", definition: {} })), 0)).values()];
  const sizes: number[] = [];
  const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
  const seq0 = seqs[0] as number;
  let arriving = true;
  const row = () => w.add({ results: [{ seq: seq0, at: t0, health: "up", durationMs: 1, region: "local" }] });
  const counting: Store = Object.assign(Object.create(t.store) as Store, {
    commit: async (b: WriteBatch) => {
      if (b.rollups.length) sizes.push(b.rollups.length);
      const ids = await t.store.commit(b);
      if (arriving) row(); // a result arrives during every commit
      return ids;
    },
  });
  // Rows wait up to a second for their commit; 120 open rollups are due at once, 10 per commit.
  const w = new BatchWriter({ store: counting, flushMs: 1000, maxBatch: 100_000, maxRollupsPerCommit: 10, log: quietLog, rollupFlushMs: 50 });
  row();
  try {
    for (const s of seqs) w.sample(s, t0, { health: "up", latencyMs: 2, downMs: 0 });
    const started = Date.now();
    while (sizes.reduce((a, b) => a + b, 0) < 120 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    const took = Date.now() - started;
    assert.equal(sizes.reduce((a, b) => a + b, 0), 120, "every due rollup written");
    assert.ok(Math.max(...sizes) <= 10, `at most 10 per commit (${sizes.join(", ")})`);
    assert.ok(took < 900, `the 12 commits followed each other instead of waiting a flush window each (${String(took)} ms)`);
  } finally {
    arriving = false;
    await w.close();
  }
  for (const s of seqs) assert.equal((await t.store.rollup("day", s, Date.UTC(2026, 0, 1)))?.checks, 1);
});

test("a commit that finds the database locked by another connection waits without holding the event loop", async () => {
  const t = await sqliteStore();
  stores.push(t);
  const seq = (await t.store.syncMonitors([{ id: "m", name: "m", kind: "http", groupPath: [], source: "native", definition: {} }], 0)).get("m") as number;
  const logged: string[] = [];
  const log = Object.assign(Object.create(quietLog) as typeof quietLog, { error: (_o: unknown, msg: string) => logged.push(msg) });
  const w = new BatchWriter({ store: t.store, flushMs: 5, maxBatch: 1000, log });
  // Another connection takes the write lock, as the checkpointer's RESTART does, and holds it 400 ms.
  const other = new BetterSqlite3(t.file);
  other.exec("BEGIN IMMEDIATE");
  const heldAt = performance.now();
  let longestGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5);
  const release = setTimeout(() => other.exec("COMMIT"), 400);
  try {
    w.add({ results: [{ seq, at: 1, health: "up", durationMs: 1, region: "local" }] });
    await w.durable();
    assert.ok(performance.now() - heldAt >= 390, "the row was committed only once the lock was let go");
    assert.equal(await t.store.countResults(), 1);
    assert.ok(w.busyRetries > 0, "the commit was tried again");
    assert.ok(longestGap < 150, `the event loop ran meanwhile (longest gap ${longestGap.toFixed(0)} ms)`);
    assert.deepEqual(logged, [], "a moment's lock is no error");
    // Outside the writer's commits the store still waits for a lock, as before: a thread holds it 150 ms.
    const holder = new Worker(
      `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))}); const db = new D(${JSON.stringify(t.file)});
       db.exec("BEGIN IMMEDIATE"); require("node:worker_threads").parentPort.postMessage("held");
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150); db.exec("COMMIT"); db.close();`,
      { eval: true },
    );
    await once(holder, "message");
    const t0 = performance.now();
    await t.store.removeMonitors(["m"], 1);
    assert.ok(performance.now() - t0 >= 100, "removeMonitors waited for the lock instead of failing");
    await once(holder, "exit");
  } finally {
    clearInterval(ticker);
    clearTimeout(release);
    if (other.inTransaction) other.exec("COMMIT");
    other.close();
    await w.close();
  }
});
