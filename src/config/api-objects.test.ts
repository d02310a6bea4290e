/** The api_objects table on SQLite and PostgreSQL, and the live configuration read back after a restart. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { configOf, quietLog } from "../../test/helpers/engine.ts";
import { postgresStore, postgresUnavailable, REQUIRE_SERVICES, sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { deleteApiObject, getApiObject, listApiObjects, putApiObject } from "./api-objects.ts";
import { LiveConfig } from "./live-config.ts";

function suite(name: string, make: () => Promise<TestStore>, unavailable: () => Promise<string | undefined>) {
  describe(`api objects on ${name}`, () => {
    const withStore = async (t: { skip: (why: string) => void }, fn: (s: TestStore) => Promise<void>) => {
      const why = await unavailable();
      if (why && REQUIRE_SERVICES) throw new Error(`${why} (UPBEAT_REQUIRE_SERVICES=1)`);
      if (why) return t.skip(why);
      const s = await make();
      try {
        await fn(s);
      } finally {
        await s.cleanup();
      }
    };

    test("put, get, list, replace and delete; creation time and JSON kept", (t) =>
      withStore(t, async ({ store }) => {
        const spec = { name: "ops", type: "webhook", url: "https://hooks.example.com/x?y=1", headers: { "X-Ünïcode": "✓" }, n: 1.5, nested: [{ a: null }] };
        const made = await putApiObject(store.db, { kind: "channel", name: "ops", spec, author: "ana" }, 1_700_000_000_000);
        assert.deepEqual(made, { kind: "channel", name: "ops", spec, createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, author: "ana" });
        await putApiObject(store.db, { kind: "route", name: "ops", spec: { name: "ops", channels: ["ops"] }, author: "bo" }, 1_700_000_000_500);
        await putApiObject(store.db, { kind: "maintenance", name: "Nightly backup", spec: { name: "Nightly backup", matchers: ["a=b"], cron: "0 3 * * *", duration: "1h" }, author: "bo" }, 1_700_000_000_600);
        const replaced = await putApiObject(store.db, { kind: "channel", name: "ops", spec: { ...spec, url: "https://hooks.example.com/z" }, author: "cy" }, 1_700_000_009_000);
        assert.deepEqual([replaced.createdAt, replaced.updatedAt, replaced.author], [1_700_000_000_000, 1_700_000_009_000, "cy"]);
        assert.deepEqual(await getApiObject(store.db, "channel", "ops"), replaced);
        assert.equal(await getApiObject(store.db, "channel", "nope"), undefined);
        assert.deepEqual((await listApiObjects(store.db)).map((o) => [o.kind, o.name]), [["channel", "ops"], ["maintenance", "Nightly backup"], ["route", "ops"]]);
        assert.deepEqual((await listApiObjects(store.db, "route")).map((o) => o.spec), [{ name: "ops", channels: ["ops"] }]);
        assert.equal(await deleteApiObject(store.db, "channel", "ops"), true);
        assert.equal(await deleteApiObject(store.db, "channel", "ops"), false);
        assert.deepEqual((await listApiObjects(store.db)).map((o) => o.kind), ["maintenance", "route"]);
      }));

    test("the live configuration reads its API objects back after a restart", (t) =>
      withStore(t, async (s) => {
        const files = configOf(`
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/" }
monitors:
  - { id: db-1, name: db-1, type: heartbeat, period: 1h, labels: { team: db } }
`);
        const first = await LiveConfig.open(files, { store: s.store, registry: NOTIFIERS, log: quietLog });
        await first.live.put("channel", undefined, { name: "ops", type: "webhook", url: "http://127.0.0.1:9/ops" }, "ana", true);
        await first.live.put("route", "db", { matchers: ["team=db"], channels: ["ops"] }, "ana", false);
        await first.live.put("maintenance", "later", { matchers: ["team=db"], cron: "0 3 * * *", duration: "1h" }, "ana", false);
        const store2 = await s.reopen();
        const again = await LiveConfig.open(configOf(`
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/" }
monitors:
  - { id: db-1, name: db-1, type: heartbeat, period: 1h, labels: { team: db } }
`), { store: store2, registry: NOTIFIERS, log: quietLog });
        assert.deepEqual(again.problems, []);
        const e = again.live.effective;
        assert.deepEqual([...e.alerting.channels.keys()], ["file-hook", "ops"]);
        assert.deepEqual(e.alerting.routes.routes?.map((r) => [r.channels, r.matchers?.map((m) => m.value)]), [[["ops"], ["db"]]]);
        assert.deepEqual(e.config.maintenance?.map((w) => [w.name, w.cron?.expr, w.durationMs, w.file]), [["later", "0 3 * * *", 3_600_000, "api"]]);
      }));

    test("after a file change: a name the file now defines is shadowed; an object the file broke is left out, reported, and fixable", (t) =>
      withStore(t, async (s) => {
        const withHook = configOf(`
channels:
  - { name: file-hook, type: webhook, url: "http://127.0.0.1:9/" }
`);
        const first = await LiveConfig.open(withHook, { store: s.store, registry: NOTIFIERS, log: quietLog });
        await first.live.put("channel", "ops", { type: "webhook", url: "http://127.0.0.1:9/api" }, "ana", false);
        await first.live.put("route", "web", { channels: ["file-hook"] }, "ana", false);
        const changed = configOf(`
channels:
  - { name: ops, type: webhook, url: "http://127.0.0.1:9/file" }
`);
        const { live, problems } = await LiveConfig.open(changed, { store: s.store, registry: NOTIFIERS, log: quietLog });
        assert.ok(!problems.some((p) => p.severity === "error"), JSON.stringify(problems));
        assert.deepEqual(problems.map((p) => `${p.path}: ${p.message}`), [
          'routes/web: route "web" made through the API is not used until it is fixed or deleted',
          'routes/web.channels[0]: no channel named "file-hook"',
          'channels/ops: channel "ops" is also defined in a file; the file\'s definition is used',
        ]);
        assert.equal((live.effective.alerting.channels.get("ops")?.settings as { url: string }).url, "http://127.0.0.1:9/file");
        assert.deepEqual(live.effective.alerting.routes.routes ?? [], []);
        assert.deepEqual([live.origin("route", "web")?.active, live.origin("channel", "ops")?.readOnly], [false, true]);
        await live.put("route", "web", { channels: ["ops"] }, "bo", false);
        assert.deepEqual(live.effective.alerting.routes.routes?.map((r) => r.channels), [["ops"]]);
        assert.equal(live.origin("route", "web")?.active, true);
      }));
  });
}

suite("SQLite", sqliteStore, async () => undefined);
suite("PostgreSQL", postgresStore, postgresUnavailable);
