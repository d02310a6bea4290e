/** The batching writer against a real SQLite store. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { quietLog } from "../../test/helpers/engine.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import type { Store, WriteBatch } from "../store/types.ts";
import { BatchWriter } from "./writer.ts";

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

test("durable({ rowsOnly }) commits the rows at once and lets the open rollups follow within flushMs; durable() waits for both", async () => {
  const { store, seq } = await fresh();
  const w = new BatchWriter({ store, flushMs: 300, maxBatch: 1000, log: quietLog });
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
  assert.equal((await store.rollup("minute", seq, t0))?.checks, 2, "the rollup followed within flushMs");
  w.add({ results: [result(t0 + 2000)] });
  w.sample(seq, t0 + 2000, { health: "up", latencyMs: 1, downMs: 0 });
  await w.durable();
  assert.equal((await store.rollup("minute", seq, t0))?.checks, 3, "a plain durable() includes the rollups");
  await w.close();
});
