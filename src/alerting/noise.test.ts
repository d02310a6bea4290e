/**
 * Noise control end to end: the real engine and alerting on a real SQLite file, notifications
 * to a real HTTP receiver on loopback. Observations go in through `engine.observe`, the one door
 * every probe, heartbeat and agent uses; time is a fake clock so windows of hours take no time.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { quietLog, configOf, startEngine } from "../../test/helpers/engine.ts";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { Engine } from "../engine/engine.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import type { Notification } from "../notifiers/types.ts";
import type { Store } from "../store/types.ts";
import { Alerting } from "./alerting.ts";
import { resolveAlerting } from "./config.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  engine: Engine;
  alerting: Alerting;
  store: Store;
  clock: FakeClock;
  hook: TestServer;
  /** Notifications the receiver got, in order. */
  got: () => Notification[];
  /** A check-in result for a monitor, at the clock's time. */
  observe: (id: string, health: "up" | "down") => Promise<void>;
}

describe("noise control", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** Heartbeat monitors with a 30-day period (their deadlines never fire here), one webhook channel. */
  async function rig(yaml: string): Promise<Rig> {
    const hook = await startHttpServer((_q, res) => res.writeHead(200).end());
    const text = `channels:\n  - { name: hook, type: webhook, url: "${hook.url}" }\n${yaml}`;
    const config = configOf(text, 30 * 86_400_000);
    const resolved = resolveAlerting(config, NOTIFIERS);
    assert.deepEqual(resolved.problems, []);
    const db = await sqliteStore();
    const clock = new FakeClock();
    const ref: { engine?: Engine } = {};
    const alerting = new Alerting(db.store, resolved.alerting, (id) => ref.engine?.get(id)?.monitor, quietLog, clock.now, { pollMs: 20, baseDelayMs: 20, upkeepMs: 30 }, (id) => ref.engine?.get(id)?.state);
    const { engine } = await startEngine(config, db.store, { clock, effects: alerting.handler, reminders: (m) => alerting.reminderIntervalFor(m) });
    ref.engine = engine;
    await alerting.start();
    cleanups.push(hook.close, db.cleanup, async () => {
      await engine.stop(0);
      await alerting.stop(100);
    });
    const observe = async (id: string, health: "up" | "down") => {
      engine.observe({ monitorId: id, at: clock.now(), health, source: "heartbeat", region: "local", ...(health === "down" ? { reason: "no check-in" } : {}) });
      await engine.writer.durable();
      await engine.effects.drain();
    };
    const got = () => hook.requests.map((r) => JSON.parse(r.body) as Notification);
    return { engine, alerting, store: db.store, clock, hook, got, observe };
  }

  const hb = (id: string, extra = "") => `  - { id: ${id}, name: ${id}, type: heartbeat, period: 30d, grace: 1d, alerts: [hook]${extra} }\n`;

  test("a parent down: no child alerts; a child still down once the parent is up alerts then; a child that recovered first never does", async () => {
    const r = await rig(`monitors:\n${hb("router")}${hb("web", ", dependsOn: [router]")}${hb("db", ", dependsOn: [router]")}`);
    await r.observe("router", "down");
    await r.observe("web", "down");
    await r.observe("db", "down");
    await waitFor("the router's alert", () => r.got().length >= 1, 3000);
    await sleep(200);
    assert.deepEqual(r.got().map((n) => n.title), ["DOWN: router"], "only the parent alerts");
    const held = await r.store.deliveries({ status: "held", limit: 10 });
    assert.deepEqual(held.map((d) => d.lastError).sort(), ["held while router is down", "held while router is down"]);
    // db comes back while the router is still down: its alert is never sent, nor its recovery.
    await r.observe("db", "up");
    await r.observe("router", "up");
    await waitFor("router's recovery and web's released alert", () => r.got().length >= 3, 3000);
    await sleep(200);
    assert.deepEqual(
      r.got().map((n) => n.title).slice(1).sort(),
      ["DOWN: web", "UP: router after 0 seconds"],
      "web is still down after the router came back, so its alert goes; db's never does",
    );
    await r.observe("web", "up");
    await waitFor("web's recovery", () => r.got().length >= 4, 3000);
    assert.equal(r.got()[3]?.title, "UP: web after 0 seconds");
    const suppressed = await r.store.deliveries({ status: "suppressed", limit: 10 });
    assert.ok(suppressed.length >= 2 && suppressed.every((d) => (d.payload as Notification).monitors[0]?.id === "db"), "both of db's messages are kept as suppressed");
  });

  test("a maintenance window: no alerts, no incident, and full uptime for the day", async () => {
    const clock0 = new FakeClock().t;
    const start = new Date(clock0 - 60_000).toISOString();
    const end = new Date(clock0 + 3_600_000).toISOString();
    const r = await rig(`maintenance:\n  - { name: db-upgrade, matchers: ["group=~.*", "monitor=api"], start: "${start}", end: "${end}", comment: "PostgreSQL 17" }\nmonitors:\n${hb("api")}${hb("other")}`);
    await r.clock.advance(1500);
    assert.equal(r.engine.get("api")?.state.status, "maintenance");
    assert.notEqual(r.engine.get("other")?.state.status, "maintenance");
    for (let i = 0; i < 10; i++) {
      await r.observe("api", "down");
      await r.clock.advance(60_000);
    }
    await sleep(200);
    assert.deepEqual(r.got(), [], "nothing alerts during maintenance");
    assert.equal(r.engine.get("api")?.state.incident, undefined, "no incident opened");
    await r.engine.writer.durable();
    const up = await r.store.uptime(r.clock.now(), ["api"]);
    const day = up.get("api")?.["24h"];
    assert.ok(day === undefined || day.uptimePct === null || day.uptimePct === 100, `uptime over the window: ${JSON.stringify(day)}`);
    // After the window: the monitor runs normally again and a failure alerts.
    await r.clock.advance(3_600_000);
    assert.equal(r.engine.get("api")?.state.status, "pending");
    await r.observe("api", "up");
    await r.observe("api", "down");
    await waitFor("the alert after the window", () => r.got().length === 1, 3000);
    assert.equal(r.got()[0]?.title, "DOWN: api");
    const day2 = (await r.store.uptime(r.clock.now(), ["api"])).get("api")?.["24h"];
    assert.equal(day2?.uptimePct, 50, "only the two checks after the window count");
  });

  test("a silence: matching alerts are kept as suppressed with who and why; after it is expired alerts go again", async () => {
    const r = await rig(`monitors:\n${hb("a", ", labels: { team: db }")}${hb("b", ", labels: { team: web }")}`);
    const s = await r.alerting.addSilence({ matchers: ["team=db"], startsAt: r.clock.now(), endsAt: r.clock.now() + 3_600_000, author: "ana", comment: "failover test" });
    assert.ok(!("error" in s));
    await r.observe("a", "down");
    await r.observe("b", "down");
    await waitFor("b's alert", () => r.got().length >= 1, 3000);
    await sleep(200);
    assert.deepEqual(r.got().map((n) => n.title), ["DOWN: b"]);
    const [kept] = await r.store.deliveries({ status: "suppressed", limit: 5 });
    assert.match(kept?.lastError ?? "", /^silenced by ana until .*: failover test$/);
    assert.ok(await r.alerting.expireSilence(s.id));
    await r.observe("a", "up");
    await sleep(200);
    assert.equal(r.got().length, 1, "a's recovery is not sent: its alert never was");
    await r.observe("a", "down");
    await waitFor("a's next alert", () => r.got().length === 2, 3000);
    assert.equal(r.got()[1]?.title, "DOWN: a");
    const bad = (await r.alerting.addSilence({ matchers: ["team=~(db"], startsAt: 0, endsAt: 1, author: "x", comment: "y" })) as { error?: string };
    assert.match(bad.error ?? "", /^matcher "team=~\(db": invalid regular expression/);
    assert.equal(r.alerting.silences().length, 0, "the bad one was not stored; the expired one is gone");
  });

  test("flapping: past the limit one notice, then quiet; after a stable window one message with the state", async () => {
    const r = await rig(`monitors:\n${hb("flaky", ", flapping: { transitions: 4, window: 10m }")}`);
    for (let i = 0; i < 5; i++) {
      await r.observe("flaky", "down");
      await r.clock.advance(30_000);
      await r.observe("flaky", "up");
      await r.clock.advance(30_000);
    }
    await sleep(300);
    assert.deepEqual(r.got().map((n) => n.kind), ["incident.opened", "incident.resolved", "incident.opened", "flapping"]);
    assert.equal(r.got()[3]?.title, "FLAPPING: flaky");
    assert.match(r.got()[3]?.text ?? "", /changed state 4 times within 10 minutes/);
    await r.observe("flaky", "down");
    await r.clock.advance(11 * 60_000);
    await waitFor("the settled message", () => r.got().length === 5, 3000);
    assert.equal(r.got()[4]?.title, "STILL DOWN: flaky stopped flapping");
    assert.equal(r.got()[4]?.kind, "incident.opened");
  });

  test("reminders: repeatInterval while an incident stays open; none after it is resolved", async () => {
    const r = await rig(`routes: { channels: [hook], groupWait: 0s, groupInterval: 0s, repeatInterval: 1h }\nmonitors:\n  - { id: job, name: job, type: heartbeat, period: 30d, grace: 1d }\n`);
    await r.observe("job", "down");
    await waitFor("the alert", () => r.got().length === 1, 3000);
    await r.clock.advance(3_600_000 + 10_000);
    await r.engine.writer.durable();
    await r.engine.effects.drain();
    await waitFor("a reminder", () => r.got().length === 2, 3000);
    assert.equal(r.got()[1]?.kind, "reminder");
    assert.match(r.got()[1]?.title ?? "", /^STILL DOWN: job/);
    await r.observe("job", "up");
    await waitFor("the recovery", () => r.got().length === 3, 3000);
    await r.clock.advance(3 * 3_600_000);
    await sleep(200);
    assert.equal(r.got().length, 3, "no reminder after recovery");
  });
});
