/** The engine end to end: real HTTP targets, real probes, a real SQLite store. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { configOf, startEngine } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { OutboxRecord } from "../store/types.ts";

/** A target whose answer the test flips. */
async function flipper(): Promise<TestServer & { set(status: number): void }> {
  let status = 200;
  const s = await startHttpServer((_req, res) => res.writeHead(status).end(status === 200 ? "ok" : "down"));
  return Object.assign(s, { set: (v: number) => (status = v) });
}

const ofType = (effects: OutboxRecord[], type: string, id?: string) => effects.filter((e) => e.type === type && (!id || e.monitorId === id));

describe("engine", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test("opens after N failures, resolves after M successes, numbers incidents, stores results and rollups", async () => {
    const target = await flipper();
    const db = await sqliteStore();
    cleanups.push(target.close, db.cleanup);
    const config = configOf(`
monitors:
  - { name: web, url: "${target.url}/", failureThreshold: 2, successThreshold: 2 }
  - { name: quick, url: "${target.url}/" }
`);
    const { engine, effects } = await startEngine(config, db.store);
    await waitFor("both up", () => engine.states().every((s) => s.status === "up"));
    target.set(503);
    await waitFor("web incident", () => ofType(effects, "incident.opened", "web").length === 1);
    const quickOpened = ofType(effects, "incident.opened", "quick")[0];
    assert.ok(quickOpened, "the threshold-1 monitor opened first");
    assert.equal((quickOpened.payload as { incident: { number: number; cause: string } }).incident.number, 1);
    assert.match((quickOpened.payload as { incident: { cause: string } }).incident.cause, /503/);
    target.set(200);
    await waitFor("web resolved", () => ofType(effects, "incident.resolved", "web").length === 1);
    target.set(503);
    await waitFor("web incident 2", () => ofType(effects, "incident.opened", "web").length === 2);
    target.set(200);
    await waitFor("web resolved 2", () => ofType(effects, "incident.resolved", "web").length === 2);
    await engine.stop();

    const resolved = ofType(effects, "incident.resolved", "web").map((e) => e.payload as { incident: { number: number; durationSec: number }; durationText: string });
    assert.deepEqual(resolved.map((p) => p.incident.number), [1, 2]);
    assert.ok(resolved.every((p) => p.incident.durationSec > 0 && /second/.test(p.durationText)));
    const incidents = await db.store.incidents({ monitorId: "web", limit: 10 });
    assert.deepEqual(incidents.map((i) => [i.number, i.resolution]), [[2, "recovered"], [1, "recovered"]]);
    const results = await db.store.results("web", { limit: 1000 });
    assert.ok(results.some((r) => r.health === "down" && r.statusCode === 503 && r.reason));
    assert.ok(results.some((r) => r.health === "up"));
    const view = await db.store.getMonitor("web");
    assert.equal(view?.status, "up");
    assert.equal(view?.lastResult?.health, "up");
    const u = (await db.store.uptime(Date.now(), ["web"])).get("web");
    assert.equal(u?.["24h"].checks, results.length, "every result is counted in the rollups");
    assert.equal(u?.["24h"].failures, results.filter((r) => r.health === "down").length);
    assert.ok((u?.["24h"].downtimeSec ?? 0) > 0);
    assert.deepEqual(await db.store.outbox("pending", 10), [], "every effect was carried out and marked done");
  });

  test("a restart mid-incident keeps the incident: no second opening, one resolution with the whole outage", async () => {
    const target = await flipper();
    const db = await sqliteStore();
    cleanups.push(target.close, db.cleanup);
    const config = () => configOf(`monitors:\n  - { name: api, url: "${target.url}/" }\n`);
    target.set(500);
    const first = await startEngine(config(), db.store);
    await waitFor("opened", () => ofType(first.effects, "incident.opened").length === 1);
    const openedAt = (ofType(first.effects, "incident.opened")[0]?.payload as { incident: { openedAt: number } }).incident.openedAt;
    await first.engine.stop();

    const store2 = await db.reopen();
    const second = await startEngine(config(), store2);
    assert.equal(second.engine.states()[0]?.status, "down");
    assert.equal(second.engine.states()[0]?.incident?.openedAt, openedAt);
    await waitFor("a few more failing checks", async () => (await store2.results("api", { limit: 100 })).length >= 5);
    target.set(200);
    await waitFor("resolved", () => ofType(second.effects, "incident.resolved").length === 1);
    await second.engine.stop();
    assert.deepEqual(ofType(second.effects, "incident.opened"), [], "the restart did not re-open or re-alert");
    const resolved = ofType(second.effects, "incident.resolved")[0]?.payload as { incident: { number: number; openedAt: number } };
    assert.equal(resolved.incident.number, 1);
    assert.equal(resolved.incident.openedAt, openedAt);
  });

  test("reload: a changed monitor keeps its incident, a removed one closes it, an added one starts, others are untouched", async () => {
    const target = await flipper();
    const db = await sqliteStore();
    cleanups.push(target.close, db.cleanup);
    const yaml = (a: string, rest: string) => `monitors:\n  - { name: a, url: "${target.url}/", timeout: ${a} }\n${rest}`;
    target.set(503);
    const { engine, effects } = await startEngine(configOf(yaml("2s", `  - { name: b, url: "${target.url}/" }\n  - { name: c, url: "${target.url}/" }\n`)), db.store);
    await waitFor("a, b and c down", () => ofType(effects, "incident.opened").length === 3);
    const cBefore = engine.states().find((s) => s.monitorId === "c");
    const summary = await engine.apply(configOf(yaml("3s", `  - { name: c, url: "${target.url}/" }\n  - { name: d, url: "${target.url}/" }\n`)));
    assert.deepEqual(summary, { added: 1, changed: 1, removed: 1, unchanged: 1 });
    assert.equal(engine.states().find((s) => s.monitorId === "a")?.incident?.number, 1, "changed monitor kept its incident");
    assert.deepEqual(engine.states().find((s) => s.monitorId === "c")?.incident, cBefore?.incident);
    await waitFor("b closed as removed", () => ofType(effects, "incident.resolved", "b").length === 1);
    assert.equal((ofType(effects, "incident.resolved", "b")[0]?.payload as { incident: { resolution: string } }).incident.resolution, "removed");
    await waitFor("d opened", () => ofType(effects, "incident.opened", "d").length === 1);
    await engine.stop();
    assert.equal(ofType(effects, "incident.opened", "a").length, 1, "no second incident for the changed monitor");
    assert.deepEqual((await db.store.listMonitors()).map((m) => m.id), ["a", "c", "d"]);
  });

  test("with probe threads: incidents open and resolve, a reload reaches the threads, lateness is taken, stop ends the threads", async () => {
    const target = await flipper();
    const other = await flipper();
    const db = await sqliteStore();
    cleanups.push(target.close, other.close, db.cleanup);
    const yaml = (url: string) => `monitors:\n  - { name: web, url: "${url}/", failureThreshold: 2 }\n  - { name: gone, url: "${url}/" }\n`;
    const { engine, effects } = await startEngine(configOf(yaml(target.url)), db.store, { probeThreads: 2 });
    assert.equal(engine.stats().probeThreads, 2);
    await waitFor("both up", () => engine.states().every((s) => s.status === "up"));
    target.set(503);
    await waitFor("web incident", () => ofType(effects, "incident.opened", "web").length === 1);
    // The new URL answers 200: the thread must probe the new definition for web to recover.
    const summary = await engine.apply(configOf(`monitors:\n  - { name: web, url: "${other.url}/", failureThreshold: 2 }\n`));
    assert.deepEqual(summary, { added: 0, changed: 1, removed: 1, unchanged: 0 });
    await waitFor("web resolved", () => ofType(effects, "incident.resolved", "web").length === 1);
    const lateness = engine.lateness.summary();
    assert.ok(lateness.count > 5, `lateness samples: ${String(lateness.count)}`);
    assert.ok(lateness.p50 < 1000, `lateness p50 ${String(lateness.p50)} ms`);
    await engine.stop();
    const results = await db.store.results("web", { limit: 1000 });
    assert.ok(results.some((r) => r.health === "down" && r.statusCode === 503));
    assert.equal(results[0]?.health, "up");
    assert.equal(engine.stats().running, 0);
  });

  test("a paused monitor is not probed", async () => {
    const target = await flipper();
    const db = await sqliteStore();
    cleanups.push(target.close, db.cleanup);
    const { engine } = await startEngine(configOf(`monitors:\n  - { name: p, url: "${target.url}/", paused: true }\n  - { name: q, url: "${target.url}/" }\n`), db.store);
    await waitFor("q checked", () => engine.states().find((s) => s.monitorId === "q")?.status === "up");
    await new Promise((r) => setTimeout(r, 250));
    await engine.stop();
    assert.equal(engine.states().find((s) => s.monitorId === "p")?.status, "paused");
    assert.deepEqual(await db.store.results("p", { limit: 10 }), []);
  });

  test("Cupcake monitors keep the active table: a row per failing endpoint, recovery measured from the row", async () => {
    const target = await flipper();
    const db = await sqliteStore();
    cleanups.push(target.close, db.cleanup);
    const cupcake = JSON.stringify({
      "@type": "endpoint-definitions",
      groups: [{ id: "customer", environments: [{ id: "ABC", "endpoint-groups": [{ id: "production", enabled: "true", endpoints: [{ id: "web", url: `${target.url}/ok`, expected: "^[2]\\d\\d$" }, { id: "api", url: `${target.url}/api`, expected: "^[2]\\d\\d$" }] }] }] }],
    });
    // An incident Cupcake itself opened 65 s ago for "api".
    const raw = new BetterSqlite3(db.file);
    raw.prepare("INSERT INTO active VALUES (?,?,?,?,?,?,?)").run("customer", "ABC", "production", "api", Date.now() / 1000 - 65, "old message", `${target.url}/api`);
    assert.deepEqual(raw.prepare("PRAGMA table_info(active)").all().map((c) => (c as { name: string }).name), ["environment_group", "environment", "endpoint_group", "endpoint", "timestamp", "message", "url"]);
    target.set(503);
    const { engine, effects } = await startEngine(configOf(cupcake), db.store);
    await waitFor("web opened", () => ofType(effects, "incident.opened", "customer/abc/production/web").length === 1);
    await engine.stop();
    assert.deepEqual(ofType(effects, "incident.opened", "customer/abc/production/api"), [], "the row's incident is not alerted again");
    const rows = raw.prepare("SELECT * FROM active ORDER BY endpoint").all() as Array<{ endpoint: string; message: string; url: string; timestamp: number }>;
    assert.deepEqual(rows.map((r) => r.endpoint), ["api", "web"]);
    assert.equal(rows[1]?.message, `customer ABC production web ${target.url}/ok expected ^[2]\\d\\d$, actual: 503`);
    assert.equal(rows[1]?.url, `${target.url}/ok`);

    target.set(200);
    const again = await startEngine(configOf(cupcake), await db.reopen());
    await waitFor("both recovered", () => ofType(again.effects, "incident.resolved").length === 2);
    await again.engine.stop();
    const api = ofType(again.effects, "incident.resolved", "customer/abc/production/api")[0]?.payload as { cupcakeMessage: string };
    assert.match(api.cupcakeMessage, new RegExp(`^customer ABC production api ${target.url}/api now OK after 1 minute, [56] seconds\\n$`));
    assert.deepEqual(raw.prepare("SELECT * FROM active").all(), []);
    raw.close();
  });
});
