import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { pagerDutyNotifier } from "./pagerduty.ts";
import type { ChannelContext, Notification } from "./types.ts";

const KEY = "R0UT1NGK3Y0123456789abcdefABCDEF";
const AT = Date.UTC(2024, 0, 2, 3, 4, 5);

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503",
  monitors: [
    { id: "m1", name: "checkout", status: "down", group: ["shop", "web"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: { team: "web" } },
  ],
  at: AT,
  dedupKey: "upbeat:m1:7",
  idempotencyKey: "upbeat:m1:7:opened:pd",
  url: "https://upbeat.example/m/m1",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });

describe("pagerduty notifier", () => {
  let server: TestServer;
  let reply: { status: number; body: string; headers?: Record<string, string> } = { status: 202, body: "{}" };
  before(async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body);
    });
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"upbeat:m1:7"}' };
  });
  const settings = () => ({ routingKey: KEY, apiUrl: server.url });

  test("triggers, then resolves with the same dedup_key", async () => {
    assert.deepEqual(await pagerDutyNotifier.send(settings(), sample(), ctx()), { ok: true });
    const resolved = sample({ kind: "incident.resolved", severity: "resolved", title: "UP: shop / checkout", idempotencyKey: "upbeat:m1:7:resolved:pd" });
    assert.deepEqual(await pagerDutyNotifier.send(settings(), resolved, ctx()), { ok: true });
    assert.equal(server.requests.length, 2);
    const [trigger, resolve] = server.requests;
    for (const req of [trigger!, resolve!]) {
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/v2/enqueue");
      assert.equal(req.headers["content-type"], "application/json");
    }
    assert.deepEqual(JSON.parse(trigger!.body), {
      routing_key: KEY,
      event_action: "trigger",
      dedup_key: "upbeat:m1:7",
      payload: {
        summary: "DOWN: shop / checkout (HTTP 503)",
        source: "https://shop.example/checkout",
        severity: "critical",
        timestamp: "2024-01-02T03:04:05.000Z",
        component: "checkout",
        group: "shop / web",
        custom_details: {
          kind: "incident.opened",
          text: "checkout answered 503",
          monitors: [{ id: "m1", name: "checkout", status: "down", target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: { team: "web" } }],
        },
      },
      client: "Upbeat",
      client_url: "https://upbeat.example/m/m1",
      links: [{ href: "https://upbeat.example/m/m1", text: "Open in Upbeat" }],
    });
    assert.deepEqual(JSON.parse(resolve!.body), { routing_key: KEY, event_action: "resolve", dedup_key: "upbeat:m1:7" });
  });

  test("maps severities, clips the summary to 1024 characters, takes a fixed source", async () => {
    await pagerDutyNotifier.send({ ...settings(), source: "edge-1" }, sample({ kind: "reminder", severity: "warning", title: "x".repeat(2000) }), ctx());
    await pagerDutyNotifier.send(settings(), sample({ kind: "flapping", severity: "info", url: undefined }), ctx());
    const [a, b] = server.requests.map((r) => JSON.parse(r.body) as { event_action: string; payload: Record<string, string>; links?: unknown });
    assert.equal(a!.event_action, "trigger");
    assert.equal(a!.payload.severity, "warning");
    assert.equal(a!.payload.source, "edge-1");
    assert.equal(a!.payload.summary!.length, 1024);
    assert.equal(b!.event_action, "trigger");
    assert.equal(b!.payload.severity, "info");
    assert.equal(b!.links, undefined);
  });

  test("a digest is not sent", async () => {
    const r = await pagerDutyNotifier.send(settings(), sample({ kind: "digest", severity: "info" }), ctx());
    assert.equal(r.ok, true);
    assert.equal(server.requests.length, 0);
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: "" };
    const r = await pagerDutyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After", async () => {
    reply = { status: 429, body: "", headers: { "retry-after": "30" } };
    const r = await pagerDutyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 30_000);
  });

  test("a 400 (invalid event) is final", async () => {
    reply = { status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}' };
    const r = await pagerDutyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
    assert.match(r.error, /^HTTP 400/);
  });

  test("an unreachable API is retryable and the error holds neither key nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await pagerDutyNotifier.send({ ...settings(), apiUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(KEY), r.error);
    assert.ok(!r.error.includes(base), r.error);
  });
});
