/** The counters other parts keep, as `/metrics` shows them: deliveries per channel (a real delivery loop), statsd and pings. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { quietLog } from "../../test/helpers/engine.ts";
import { parsePromText, sampleValue } from "../../test/helpers/prom-text.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { type Channel, Deliverer } from "../alerting/delivery.ts";
import { pingCounters } from "../api/ping-routes.ts";
import type { StatsdCounters } from "../heartbeats/statsd-listen.ts";
import type { DeliveryResult, Notifier } from "../notifiers/types.ts";
import { UpbeatMetrics } from "./metrics.ts";

let db: TestStore;
before(async () => {
  db = await sqliteStore();
});
after(async () => db.cleanup());

test("delivery counters per channel come from the delivery loop; statsd and ping counters as they stand", async () => {
  // A receiver that refuses the first attempt and takes the rest (an outside service, so a fake).
  let calls = 0;
  const flaky: Notifier<unknown> = { schema: {} as Notifier<unknown>["schema"], send: async (): Promise<DeliveryResult> => (++calls === 1 ? { ok: false, retryable: true, error: "HTTP 502" } : { ok: true }) };
  const refusing: Notifier<unknown> = { schema: flaky.schema, send: async () => ({ ok: false, retryable: false, error: "HTTP 400" }) };
  const channels = new Map<string, Channel>([
    ["hook", { name: "hook", kind: "webhook", settings: {}, notifier: flaky }],
    ["bad", { name: "bad", kind: "webhook", settings: {}, notifier: refusing }],
  ]);
  const deliverer = new Deliverer(db.store, channels, quietLog, Date.now, { baseDelayMs: 10, pollMs: 20, random: () => 0.5 });
  const statsd: StatsdCounters = { datagrams: 7, lines: 9, coalesced: 2, rejected: { malformed: 1, oversized: 0, encoding: 3 } };
  const pings = pingCounters();
  pings.accepted = 4;
  pings.rejected.notFound = 2;
  const metrics = new UpbeatMetrics({ store: db.store, engine: () => undefined, pings, statsd: () => statsd, deliveries: () => deliverer.channelCounters, storeCacheMs: 0, processMetrics: false });
  const at = Date.now();
  await db.store.enqueueDeliveries(["hook", "bad"].map((channel, i) => ({ key: `m#${i}:incident.opened:${channel}`, channel, groupKey: `g${i}`, payload: { kind: "incident.opened", severity: "critical", title: "t", text: "x", monitors: [], at, dedupKey: "d", idempotencyKey: "i" }, notBefore: at })), [], at);
  deliverer.start();
  try {
    await waitFor("both settled", async () => (await db.store.deliveries({ status: "pending", limit: 10 })).length === 0, 5000);
  } finally {
    await deliverer.stop(100);
  }
  const f = parsePromText(await metrics.render());
  assert.equal(sampleValue(f, "upbeat_notifications_sent_total", { channel: "hook" }), 1);
  assert.equal(sampleValue(f, "upbeat_notification_failures_total", { channel: "hook" }), 1);
  assert.equal(sampleValue(f, "upbeat_notifications_dead_total", { channel: "bad" }), 1);
  assert.equal(sampleValue(f, "upbeat_notifications_sent_total", { channel: "bad" }), 0);
  assert.equal(sampleValue(f, "upbeat_deliveries", { status: "dead" }), 1);
  assert.equal(sampleValue(f, "upbeat_statsd_lines_total"), 9);
  assert.equal(sampleValue(f, "upbeat_statsd_rejected_total", { reason: "encoding" }), 3);
  assert.equal(sampleValue(f, "upbeat_pings_accepted_total"), 4);
  assert.equal(sampleValue(f, "upbeat_pings_rejected_total", { reason: "notFound" }), 2);
  assert.equal(sampleValue(f, "upbeat_monitors"), 0, "no engine yet: zero, not an error");
  assert.ok(!f.has("nodejs_eventloop_lag_seconds"), "process metrics can be left out");
});

test("two instances keep separate registries (never prom-client's global one)", async () => {
  const a = new UpbeatMetrics({ store: db.store, engine: () => undefined, processMetrics: false });
  const b = new UpbeatMetrics({ store: db.store, engine: () => undefined });
  assert.notEqual(a.registry, b.registry);
  assert.ok(parsePromText(await b.render()).has("process_cpu_seconds_total"));
  const { register } = await import("prom-client");
  assert.equal(register.getMetricsAsArray().length, 0, "nothing on the global registry");
});
