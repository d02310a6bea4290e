/**
 * `/metrics` at 10,000 monitors (9,000 HTTP, 1,000 heartbeats in 100 groups) on a real engine and
 * SQLite store: the scrape time is printed (not asserted: the machine is shared), the exposition
 * must parse and hold every monitor.
 */
import assert from "node:assert/strict";
import { loadavg } from "node:os";
import { after, before, test } from "node:test";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { parsePromText } from "../../test/helpers/prom-text.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { openAccess } from "../api/access.ts";
import { buildApp } from "../api/app.ts";
import { metricsRoutes } from "../api/metrics.ts";
import type { Health } from "../core/types.ts";
import type { Engine } from "../engine/engine.ts";
import { UpbeatMetrics } from "./metrics.ts";

const HTTP = 9000;
const BEATS = 1000;

let target: TestServer;
let db: TestStore;
let engine: Engine;
let metrics: UpbeatMetrics;
let base = "";
let close: () => Promise<void>;

before(async () => {
  target = await startHttpServer((_q, res) => res.end("ok"));
  const groups = Array.from({ length: 100 }, (_, g) => {
    const http = Array.from({ length: HTTP / 100 }, (_, i) => `      - { name: m${i}, url: "${target.url}/${g}/${i}" }`);
    const beats = Array.from({ length: BEATS / 100 }, (_, i) => `      - { name: job${i}, type: heartbeat, period: 1h }`);
    return `  - name: team${g}\n    monitors:\n${[...http, ...beats].join("\n")}`;
  });
  // An hour apart: the monitors are scheduled but the test feeds their observations itself.
  const config = configOf(`groups:\n${groups.join("\n")}\n`, 3_600_000);
  db = await sqliteStore();
  metrics = new UpbeatMetrics({ store: db.store, engine: () => engine });
  ({ engine } = await startEngine(config, db.store));
  metrics.attach(engine);
  const app = buildApp({ access: openAccess(), store: db.store, engine: () => engine, ready: () => true, log: quietLog, extraRoutes: [(s) => metricsRoutes(s, { metrics, settings: () => ({ enabled: true }) })] });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  close = async () => {
    await app.close();
    await engine.stop(0);
    await target.close();
    await db.cleanup();
  };
});
after(async () => close());

test("scrape of 10,000 monitors: timed, valid, complete", async () => {
  const at = Date.now();
  const healths: Health[] = ["up", "up", "up", "degraded", "down"];
  const feedStart = performance.now();
  for (let g = 0; g < 100; g++) {
    for (let i = 0; i < HTTP / 100; i++) {
      const health = healths[i % healths.length] as Health;
      const cert = i % 3 === 0 ? { cert: { subject: "x", issuer: "ca", validFrom: "2024-01-01T00:00:00Z", validTo: new Date(at + i * 86_400_000).toISOString(), daysLeft: i, trusted: true } } : {};
      engine.observe({ monitorId: `team${g}/m${i}`, at, health, source: "probe", region: "local", timings: { dnsMs: 1, connectMs: 2, ...(cert.cert ? { tlsMs: 5 } : {}), ttfbMs: 20 + i, transferMs: 1, totalMs: 30 + i }, facts: { statusCode: health === "down" ? 503 : 200, ...cert } });
    }
    for (let i = 0; i < BEATS / 100; i += 2) engine.heartbeats.ping(`team${g}/job${i}`, { type: "success", at });
  }
  const feedMs = performance.now() - feedStart;
  await fetch(`${base}/metrics`).then((r) => r.text()); // warm-up (first collection of the default metrics)
  const times: number[] = [];
  let text = "";
  for (let n = 0; n < 5; n++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/metrics`);
    text = await res.text();
    times.push(performance.now() - t0);
    assert.equal(res.status, 200);
  }
  const families = parsePromText(text);
  const r0 = performance.now();
  await metrics.render();
  const renderMs = performance.now() - r0;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`# /metrics at ${HTTP + BEATS} monitors: ${(text.length / 1e6).toFixed(2)} MB, ${text.split("\n").length} lines; scrape ms median ${sorted[2]?.toFixed(1)} (render alone ${renderMs.toFixed(1)}), min ${sorted[0]?.toFixed(1)}, max ${sorted[4]?.toFixed(1)}; feeding ${HTTP} observations and ${BEATS / 2} pings took ${feedMs.toFixed(0)} ms (load average ${loadavg()[0]?.toFixed(1)} on this machine)`);
  assert.equal(families.get("upbeat_monitor_state")?.samples.length, (HTTP + BEATS) * 6);
  assert.equal(families.get("upbeat_monitor_info")?.samples.length, HTTP + BEATS);
  assert.equal(families.get("upbeat_monitor_up")?.samples.length, HTTP + BEATS / 2, "every probed monitor and every heartbeat that checked in");
  // A few scheduled checks of the (healthy) target may have run meanwhile and turned a monitor up.
  const down = families.get("upbeat_monitor_up")?.samples.filter((s) => s.value === 0).length ?? 0;
  assert.ok(down <= HTTP / 5 && down > HTTP / 5 - 100, `${down} down`);
  assert.equal(families.get("upbeat_cert_expiry_timestamp_seconds")?.samples.length, 100 * Math.ceil(HTTP / 100 / 3));
  assert.equal(families.get("upbeat_heartbeat_age_seconds")?.samples.length, BEATS / 2);
  assert.equal(families.get("upbeat_probe_last_duration_seconds")?.samples.length, HTTP);
});
