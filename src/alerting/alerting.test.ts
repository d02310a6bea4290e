/** Alerting end to end below the channels: routing, grouping, retries, dead letters, no doubles, channel isolation. Real SQLite, real HTTP receivers on loopback. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Type } from "@sinclair/typebox";
import { quietLog } from "../../test/helpers/engine.ts";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { sendHttp } from "../notifiers/http.ts";
import type { Notification, Notifier } from "../notifiers/types.ts";
import type { OutboxRecord, Store } from "../store/types.ts";
import { Alerting } from "./alerting.ts";
import type { Channel } from "./delivery.ts";
import { parseMatcher, type RouteSpec } from "./routes.ts";

/** A minimal JSON channel: posts the notification to `url`. */
const testNotifier: Notifier<{ url: string }> = {
  schema: Type.Object({ url: Type.String() }),
  send: (s, n, ctx) => sendHttp({ url: s.url, body: n, signal: ctx.signal }),
};

const channel = (name: string, url: string): [string, Channel] => [name, { name, kind: "test", settings: { url }, notifier: testNotifier as Notifier<unknown> }];

let seq = 0;
async function effect(store: Store, monitorId: string, type: "incident.opened" | "incident.resolved", number = 1, group = ["shop"]): Promise<{ id: number; record: OutboxRecord }> {
  const at = Date.now();
  const incident = { number, openedAt: at - (type === "incident.resolved" ? 65_000 : 0), cause: "HTTP 503", ...(type === "incident.resolved" ? { resolvedAt: at, durationSec: 65, resolution: "recovered" as const } : {}) };
  const record: OutboxRecord = { monitorId, type, at: at + seq++, payload: { type, monitorId, at, incident, monitorName: monitorId, groupPath: group, ...(type === "incident.resolved" ? { durationText: "1 minute, 5 seconds" } : {}) } };
  const [id] = await store.commit({ results: [], states: [], incidents: [], outbox: [record], rollups: [], activeInserts: [], activeDeletes: [], tracks: [], pings: [] });
  return { id: id as number, record };
}

const bodies = (s: TestServer) => s.requests.map((r) => JSON.parse(r.body) as Notification);

describe("alerting", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup(routes: RouteSpec, channels: Array<[string, Channel]>, delivery = {}) {
    const db = await sqliteStore();
    const a = new Alerting(db.store, { channels: new Map(channels), routes }, () => undefined, quietLog, Date.now, { baseDelayMs: 50, maxDelayMs: 200, pollMs: 50, timeoutMs: 1000, ...delivery });
    await a.start();
    cleanups.push(db.cleanup, () => a.stop());
    return { a, store: db.store };
  }

  test("50 monitors failing together in one group become one message; another group gets its own", async () => {
    const hook = await startHttpServer((_q, res) => res.writeHead(200).end());
    cleanups.push(hook.close);
    const { a, store } = await setup({ channels: ["ops"], groupBy: ["group"], groupWaitMs: 300 }, [channel("ops", hook.url)]);
    // Committed first, then handed over together, as the engine hands over one commit's effects.
    const effects = [];
    for (let i = 0; i < 50; i++) effects.push(await effect(store, `shop/web-${i}`, "incident.opened"));
    effects.push(await effect(store, "blog/home", "incident.opened", 1, ["blog"]));
    await Promise.all(effects.map((e) => a.handler(e)));
    await waitFor("two messages", () => hook.requests.length === 2, 5000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hook.requests.length, 2, "no more than one message per group");
    const shop = bodies(hook).find((b) => b.monitors.length > 1);
    assert.equal(shop?.monitors.length, 50);
    assert.match(shop?.title ?? "", /^50 DOWN: shop\/web-0/);
    assert.equal(bodies(hook).find((b) => b.monitors.length === 1)?.title, "DOWN: blog / blog/home");
  });

  test("a receiver down for a while, then back: every notification delivered once, in order per monitor", async () => {
    let up = false;
    const hook = await startHttpServer((_q, res) => res.writeHead(up ? 200 : 503).end());
    cleanups.push(hook.close);
    const { a, store } = await setup({ channels: ["ops"], groupBy: ["monitor"], groupWaitMs: 0, groupIntervalMs: 0 }, [channel("ops", hook.url)]);
    for (const m of ["a", "b", "c"]) await a.handler(await effect(store, m, "incident.opened"));
    await waitFor("retries happen", () => hook.requests.length >= 6, 5000);
    for (const m of ["a", "b", "c"]) await a.handler(await effect(store, m, "incident.resolved"));
    up = true;
    await waitFor("all delivered", async () => (await store.dueDeliveries(Date.now() + 10_000, 100)).length === 0, 10_000);
    const delivered = hook.requests.filter((_r, i) => i >= 0).map((r) => JSON.parse(r.body) as Notification);
    const ok = delivered.slice(-6);
    for (const m of ["a", "b", "c"]) {
      const mine = ok.filter((n) => n.monitors.some((x) => x.id === m)).map((n) => n.kind);
      assert.ok(mine.length >= 1);
    }
    const done = await store.deliveries({ status: "done", limit: 100 });
    assert.equal(done.length, 6, "six deliveries, each done once");
    const perMonitor = new Map<string, string[]>();
    for (const d of [...done].sort((x, y) => (x.doneAt ?? 0) - (y.doneAt ?? 0) || x.id - y.id)) {
      const n = d.payload as Notification;
      for (const mo of n.monitors) perMonitor.set(mo.id, [...(perMonitor.get(mo.id) ?? []), n.kind]);
    }
    for (const [, kinds] of perMonitor) assert.deepEqual(kinds.filter((k, i) => kinds.indexOf(k) === i), ["incident.opened", "incident.resolved"]);
  });

  test("the same effect handled twice (a restart before it was marked done) is delivered once; a 400 is dead at once and listed", async () => {
    const hook = await startHttpServer((q, res, body) => res.writeHead(body.includes('"bad"') ? 400 : 200).end());
    cleanups.push(hook.close);
    const { a, store } = await setup({ channels: ["ops"], groupWaitMs: 0, groupBy: ["monitor"] }, [channel("ops", hook.url)]);
    const e = await effect(store, "x", "incident.opened");
    await a.handler(e);
    await a.handler(e);
    await waitFor("delivered", () => hook.requests.length === 1, 5000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(hook.requests.length, 1);
    await a.handler(await effect(store, "bad", "incident.opened"));
    await waitFor("dead", async () => (await store.deliveries({ status: "dead", limit: 10 })).length === 1, 5000);
    const dead = await store.deliveries({ status: "dead", limit: 10 });
    assert.equal(dead[0]?.attempts, 1, "a 400 is not retried");
    assert.match(dead[0]?.lastError ?? "", /HTTP 400/);
  });

  test("a hanging channel does not delay another; routing by matchers with continue", async () => {
    const fast = await startHttpServer((_q, res) => res.writeHead(200).end());
    const slow = await startHttpServer(() => undefined);
    const gone = await closedPort();
    cleanups.push(fast.close, slow.close);
    const crit = parseMatcher("group=~shop.*");
    assert.ok(!("error" in crit));
    const routes: RouteSpec = { channels: ["nowhere"], groupWaitMs: 0, groupBy: ["monitor"], routes: [{ matchers: [crit], channels: ["slow"], continue: true }, { matchers: [crit], channels: ["fast"] }] };
    const { a, store } = await setup(routes, [channel("slow", slow.url), channel("fast", fast.url), channel("nowhere", `http://127.0.0.1:${gone}/`)], { timeoutMs: 3000 });
    const t0 = Date.now();
    await a.handler(await effect(store, "shop/cart", "incident.opened"));
    await waitFor("fast got it", () => fast.requests.length === 1, 2000);
    assert.ok(Date.now() - t0 < 1500, "the fast channel was not held up by the hanging one");
    await waitFor("the slow one saw it too", () => slow.requests.length >= 1, 2000);
    await a.handler(await effect(store, "blog/home", "incident.opened", 1, ["blog"]));
    await waitFor("the root's channel is retried", async () => (await store.deliveries({ channel: "nowhere", limit: 5 }))[0]?.attempts === 1, 3000);
    assert.equal(fast.requests.length, 1, "blog did not match the shop routes");
  });
});
