/** Queue depths on both dialects: counts by status, the cache, and a store that fails. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { StoreCountsCache } from "./store-counts.ts";

const payload = { kind: "incident.opened" };

for (const [name, make, skip] of [
  ["sqlite", sqliteStore, async () => undefined],
  ["postgres", postgresStore, postgresUnavailable],
] as const) {
  test(`delivery and outbox depths (${name})`, async (tc) => {
    const why = await skip();
    if (why && REQUIRE_SERVICES) throw new Error(`${why} (UPBEAT_REQUIRE_SERVICES=1)`);
    if (why) return tc.skip(why);
    const t: TestStore = await make();
    try {
      let now = 1_000_000;
      const cache = new StoreCountsCache(t.store, 5000, () => now);
      assert.deepEqual(await cache.get(), { deliveries: { pending: 0, held: 0, dead: 0 }, outboxPending: 0 });
      await t.store.enqueueDeliveries(
        [
          { key: "a:ops", channel: "ops", groupKey: "g", payload, notBefore: now },
          { key: "b:ops", channel: "ops", groupKey: "g", payload, notBefore: now },
          { key: "c:ops", channel: "ops", groupKey: "g", payload, notBefore: now, initial: "held", note: "parent down" },
          { key: "d:ops", channel: "ops", groupKey: "g", payload, notBefore: now, initial: "suppressed", note: "silenced" },
        ],
        [],
        now,
      );
      const [first] = await t.store.deliveries({ key: "a:ops", limit: 1 });
      await t.store.markDeliveries([first?.id as number], { status: "dead", at: now, error: "HTTP 400" });
      await t.store.commit({ results: [], states: [], incidents: [], outbox: [{ monitorId: "m", type: "state.changed", at: now, payload: {} }], rollups: [], activeInserts: [], activeDeletes: [], tracks: [], pings: [] });
      assert.deepEqual((await cache.get())?.deliveries, { pending: 0, held: 0, dead: 0 }, "cached for 5 s");
      now += 5000;
      assert.deepEqual(await cache.get(), { deliveries: { pending: 1, held: 1, dead: 1 }, outboxPending: 1 });
      await t.store.close();
      now += 5000;
      assert.deepEqual((await cache.get())?.deliveries, { pending: 1, held: 1, dead: 1 }, "a failing store serves the last good value");
      assert.equal(cache.failures, 1);
    } finally {
      await t.cleanup();
    }
  });
}
