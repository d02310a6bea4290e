import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { gotifyNotifier } from "./gotify.ts";
import type { ChannelContext, Notification } from "./types.ts";

const TOKEN = "AQzVr3pbK.7aGQs";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503",
  monitors: [{ id: "m1", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: {} }],
  at: Date.UTC(2024, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:m1:7",
  idempotencyKey: "upbeat:m1:7:opened:gotify",
  url: "https://upbeat.example/m/m1",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });

describe("gotify notifier", () => {
  let server: TestServer;
  let reply: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: "{}" };
  before(async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body);
    });
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = { status: 200, body: '{"id":25,"appid":5,"message":"checkout answered 503","title":"DOWN","priority":8,"date":"2024-01-02T03:04:05Z"}' };
  });
  const settings = () => ({ serverUrl: `${server.url}/`, token: TOKEN });

  test("posts JSON to /message with X-Gotify-Key", async () => {
    assert.deepEqual(await gotifyNotifier.send(settings(), sample(), ctx()), { ok: true });
    const req = server.requests[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/message");
    assert.equal(req.headers["x-gotify-key"], TOKEN);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req.body), {
      title: "DOWN: shop / checkout (HTTP 503)",
      message: "checkout answered 503",
      priority: 8,
      extras: { "client::notification": { click: { url: "https://upbeat.example/m/m1" } } },
    });
  });

  test("priority: severity default, the setting for alerts, at most 5 for recoveries", async () => {
    await gotifyNotifier.send(settings(), sample({ severity: "warning", url: undefined }), ctx());
    await gotifyNotifier.send({ ...settings(), priority: 10 }, sample(), ctx());
    await gotifyNotifier.send({ ...settings(), priority: 10 }, sample({ kind: "incident.resolved", severity: "resolved" }), ctx());
    const bodies = server.requests.map((r) => JSON.parse(r.body) as { priority: number; extras?: unknown });
    assert.deepEqual(bodies.map((b) => b.priority), [5, 10, 5]);
    assert.equal(bodies[0]!.extras, undefined);
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: "" };
    const r = await gotifyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After", async () => {
    reply = { status: 429, body: "", headers: { "retry-after": "3" } };
    const r = await gotifyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 3000);
  });

  test("a 401 (bad token) is final", async () => {
    reply = { status: 401, body: '{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}' };
    const r = await gotifyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
  });

  test("an unreachable server is retryable and the error holds neither token nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await gotifyNotifier.send({ ...settings(), serverUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(TOKEN), r.error);
    assert.ok(!r.error.includes(base), r.error);
  });
});
