/** `/metrics` over real HTTP on loopback: a real engine and SQLite store probing local HTTP(S) targets and taking pings. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { makeTestPki } from "../../test/helpers/certs.ts";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { parsePromText, type PromFamily, sampleValue } from "../../test/helpers/prom-text.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { MetricsConfig } from "../config/metrics.ts";
import type { Engine } from "../engine/engine.ts";
import { UpbeatMetrics } from "../metrics/metrics.ts";
import { openAccess } from "./access.ts";
import { buildApp } from "./app.ts";
import { metricsRoutes } from "./metrics.ts";
import { pingCounters } from "./ping-routes.ts";

const UUID = "0b7c3a52-3f44-4d5e-9a61-7b2c1d0e9f88";

describe("/metrics", () => {
  const pki = makeTestPki();
  let ok: TestServer;
  let failing: TestServer;
  let secure: TestServer;
  let db: TestStore;
  let engine: Engine;
  let base = "";
  let close: () => Promise<void>;
  let failingStatus = 500;
  const settings: Omit<MetricsConfig, "file"> = { enabled: true };
  const pings = pingCounters();

  before(async () => {
    ok = await startHttpServer((_q, res) => res.end("ok"));
    failing = await startHttpServer((_q, res) => {
      res.statusCode = failingStatus;
      res.end("no");
    });
    secure = await startHttpServer((_q, res) => res.end("tls ok"), { cert: pki.valid.cert, key: pki.valid.key });
    db = await sqliteStore();
    const config = configOf(`
groups:
  - name: shop
    monitors:
      - { name: home, url: "${ok.url}/" }
      - { name: "checkout \\"v2\\"", url: "${failing.url}/" }
      - { name: secure, url: "${secure.url}/", tls: { ca: ${JSON.stringify(pki.ca.cert)} } }
monitors:
  - { name: backup, type: heartbeat, uuid: ${UUID}, period: 1h }
`, 150);
    const metrics = new UpbeatMetrics({ store: db.store, engine: () => engine, pings, storeCacheMs: 0 });
    ({ engine } = await startEngine(config, db.store));
    metrics.attach(engine);
    const app = buildApp({ access: openAccess("viewer"), store: db.store, engine: () => engine, ready: () => true, log: quietLog, pingCounters: pings, extraRoutes: [(s) => metricsRoutes(s, { metrics, settings: () => settings })] });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    close = async () => {
      await app.close();
      await engine.stop(0);
      await Promise.all([ok.close(), failing.close(), secure.close()]);
      await db.cleanup();
    };
  });
  after(async () => close());

  const scrape = async (headers: Record<string, string> = {}): Promise<Map<string, PromFamily>> => {
    const res = await fetch(`${base}/metrics`, { headers });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return parsePromText(await res.text());
  };
  const v = (f: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}) => sampleValue(f, name, labels);

  test("the exposition parses; monitor up and one-hot state follow the targets", async () => {
    await waitFor("both HTTP targets decided", () => engine.get("shop/home")?.state.status === "up" && engine.get('shop/checkout-v2')?.state.status === "down");
    const f = await scrape();
    assert.equal(v(f, "upbeat_monitor_up", { monitor: "shop/home", kind: "http", group: "shop" }), 1);
    assert.equal(v(f, "upbeat_monitor_up", { monitor: "shop/checkout-v2" }), 0);
    assert.equal(v(f, "upbeat_monitor_up", { monitor: "backup" }), undefined, "a pending heartbeat has no up sample");
    const states = f.get("upbeat_monitor_state")?.samples.filter((s) => s.labels.monitor === "shop/checkout-v2") ?? [];
    assert.deepEqual(states.map((s) => [s.labels.state, s.value]), [["pending", 0], ["up", 0], ["degraded", 0], ["down", 1], ["paused", 0], ["maintenance", 0]]);
    assert.equal(v(f, "upbeat_monitor_info", { monitor: "shop/checkout-v2", name: 'checkout "v2"', source: "native" }), 1, "label values with quotes are escaped and read back");
    assert.equal(v(f, "upbeat_incidents_open"), 1);
    assert.ok((v(f, "upbeat_probe_last_duration_seconds", { monitor: "shop/home" }) ?? -1) >= 0);
    assert.ok((v(f, "upbeat_checks_total", { kind: "http", health: "down" }) ?? 0) >= 1);
    for (const name of ["nodejs_eventloop_lag_seconds", "process_cpu_user_seconds_total", "process_resident_memory_bytes", "upbeat_build_info", "upbeat_scheduler_running"]) assert.ok(f.has(name), name);
  });

  test("values change with observations: the down target recovers, histograms and the check counter grow", async () => {
    const before = await scrape();
    const count = (f: Map<string, PromFamily>) => v(f, "upbeat_probe_duration_seconds_count", { kind: "http", phase: "total" }) ?? 0;
    const lateness = (f: Map<string, PromFamily>) => v(f, "upbeat_scheduler_lateness_seconds_count") ?? 0;
    failingStatus = 200;
    await waitFor("recovery", () => engine.get("shop/checkout-v2")?.state.status === "up");
    await new Promise((r) => setTimeout(r, 400));
    const now = await scrape();
    assert.equal(v(now, "upbeat_monitor_up", { monitor: "shop/checkout-v2" }), 1);
    assert.equal(v(now, "upbeat_incidents_open"), 0);
    assert.ok(count(now) > count(before), "answered probes add to the total-phase histogram");
    assert.ok((v(now, "upbeat_probe_duration_seconds_count", { kind: "http", phase: "connect" }) ?? 0) > 0);
    assert.ok(lateness(now) > lateness(before), "scheduler lateness is observed");
    assert.ok((v(now, "upbeat_checks_total", { kind: "http", health: "up" }) ?? 0) > (v(before, "upbeat_checks_total", { kind: "http", health: "up" }) ?? 0));
  });

  test("an HTTPS probe gives the certificate's notAfter and a TLS phase", async () => {
    await waitFor("the HTTPS target checked", () => engine.get("shop/secure")?.state.status === "up");
    const f = await scrape();
    const notAfter = Date.parse(new X509Certificate(pki.valid.cert).validTo) / 1000;
    assert.equal(v(f, "upbeat_cert_expiry_timestamp_seconds", { monitor: "shop/secure" }), notAfter);
    assert.equal(v(f, "upbeat_cert_expiry_timestamp_seconds", { monitor: "shop/home" }), undefined, "plain HTTP has no certificate");
    assert.ok((v(f, "upbeat_probe_duration_seconds_count", { kind: "http", phase: "tls" }) ?? 0) > 0);
  });

  test("a heartbeat's last check-in and age; ping counters", async () => {
    const accepted = pings.accepted;
    const sent = Date.now();
    assert.equal((await fetch(`${base}/ping/${UUID}`)).status, 200);
    const f = await scrape();
    const seen = v(f, "upbeat_heartbeat_last_seen_timestamp_seconds", { monitor: "backup" }) ?? 0;
    assert.ok(Math.abs(seen - sent / 1000) < 2, `last seen ${seen} is the ping time`);
    const age = v(f, "upbeat_heartbeat_age_seconds", { monitor: "backup" }) ?? -1;
    assert.ok(age >= 0 && age < 2, `age ${age}`);
    assert.equal(v(f, "upbeat_monitor_up", { monitor: "backup" }), 1);
    assert.equal(v(f, "upbeat_pings_accepted_total"), accepted + 1);
    await fetch(`${base}/ping/not-a-uuid-or-key`);
    assert.ok((v(await scrape(), "upbeat_pings_rejected_total", { reason: "notFound" }) ?? 0) + (v(await scrape(), "upbeat_pings_rejected_total", { reason: "malformed" }) ?? 0) >= 1);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((v(await scrape(), "upbeat_heartbeat_age_seconds", { monitor: "backup" }) ?? 0) >= 1, "the age grows between scrapes");
  });

  test("delivery depth by status comes from the deliveries table", async () => {
    const at = Date.now();
    await db.store.enqueueDeliveries([
      { key: "m#1:incident.opened:ops", channel: "ops", groupKey: "g", payload: {}, notBefore: at + 3_600_000 },
      { key: "m#1:incident.opened:pager", channel: "pager", groupKey: "g", payload: {}, notBefore: at + 3_600_000 },
      { key: "m#2:incident.opened:ops", channel: "ops", groupKey: "g", payload: {}, notBefore: at, initial: "held", note: "parent down" },
    ], [], at);
    const f = await scrape();
    assert.equal(v(f, "upbeat_deliveries", { status: "pending" }), 2);
    assert.equal(v(f, "upbeat_deliveries", { status: "held" }), 1);
    assert.equal(v(f, "upbeat_deliveries", { status: "dead" }), 0);
    assert.equal(v(f, "upbeat_outbox_pending"), 0);
  });

  test("a token makes it private; disabled means 404; reads are never refused for rate", async () => {
    settings.token = "scrape-secret-1";
    try {
      const anon = await fetch(`${base}/metrics`);
      assert.equal(anon.status, 401);
      assert.match(anon.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.equal(((await anon.json()) as { code: string }).code, "UPBEAT_METRICS_TOKEN");
      assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong-token" } })).status, 401);
      await scrape({ authorization: "Bearer scrape-secret-1" });
    } finally {
      delete settings.token;
    }
    settings.enabled = false;
    try {
      assert.equal((await fetch(`${base}/metrics`)).status, 404);
    } finally {
      settings.enabled = true;
    }
    const codes = await Promise.all(Array.from({ length: 30 }, () => fetch(`${base}/metrics`).then(async (r) => (await r.arrayBuffer(), r.status))));
    assert.deepEqual(new Set(codes), new Set([200]));
  });
});
