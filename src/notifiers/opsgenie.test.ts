import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { opsgenieNotifier } from "./opsgenie.ts";
import type { ChannelContext, Notification } from "./types.ts";

const KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503",
  monitors: [{ id: "m1", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: {} }],
  at: Date.UTC(2024, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:m1/7",
  idempotencyKey: "upbeat:m1/7:opened:og",
  url: "https://upbeat.example/m/m1",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });

describe("opsgenie notifier", () => {
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
    reply = { status: 202, body: '{"result":"Request will be processed","took":0.1,"requestId":"43a29c5c"}' };
  });
  const settings = () => ({ apiKey: KEY, apiUrl: server.url });

  test("creates an alert aliased by dedupKey, then closes it by alias", async () => {
    assert.deepEqual(await opsgenieNotifier.send(settings(), sample(), ctx()), { ok: true });
    const resolved = sample({ kind: "incident.resolved", severity: "resolved", title: "UP: shop / checkout", text: "checkout is up after 5 minutes" });
    assert.deepEqual(await opsgenieNotifier.send(settings(), resolved, ctx()), { ok: true });
    const [create, close] = server.requests;
    for (const req of [create!, close!]) {
      assert.equal(req.method, "POST");
      assert.equal(req.headers.authorization, `GenieKey ${KEY}`);
      assert.equal(req.headers["content-type"], "application/json");
    }
    assert.equal(create!.url, "/v2/alerts");
    assert.deepEqual(JSON.parse(create!.body), {
      message: "DOWN: shop / checkout (HTTP 503)",
      alias: "upbeat:m1/7",
      description: "checkout answered 503\n\nhttps://upbeat.example/m/m1",
      priority: "P1",
      tags: ["upbeat"],
      details: {
        kind: "incident.opened",
        severity: "critical",
        monitor: "checkout",
        group: "shop",
        target: "https://shop.example/checkout",
        cause: "HTTP 503",
        incident: "7",
        url: "https://upbeat.example/m/m1",
      },
      entity: "checkout",
      source: "Upbeat",
    });
    assert.equal(close!.url, "/v2/alerts/upbeat%3Am1%2F7/close?identifierType=alias");
    assert.deepEqual(JSON.parse(close!.body), { source: "Upbeat", note: "checkout is up after 5 minutes" });
  });

  test("takes the priority and tags settings, clips the message to 130 characters", async () => {
    await opsgenieNotifier.send({ ...settings(), priority: "P2", tags: ["shop", "prod"] }, sample({ title: "y".repeat(300) }), ctx());
    const body = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
    assert.equal(body.priority, "P2");
    assert.deepEqual(body.tags, ["shop", "prod"]);
    assert.equal(String(body.message).length, 130);
  });

  test("maps severities to priorities; a digest is not sent", async () => {
    await opsgenieNotifier.send(settings(), sample({ kind: "reminder", severity: "warning" }), ctx());
    await opsgenieNotifier.send(settings(), sample({ kind: "flapping", severity: "info" }), ctx());
    assert.deepEqual(
      server.requests.map((r) => (JSON.parse(r.body) as { priority: string }).priority),
      ["P3", "P5"],
    );
    assert.equal((await opsgenieNotifier.send(settings(), sample({ kind: "digest" }), ctx())).ok, true);
    assert.equal(server.requests.length, 2);
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: "" };
    const r = await opsgenieNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After", async () => {
    reply = { status: 429, body: '{"message":"You are making too many requests!"}', headers: { "retry-after": "4" } };
    const r = await opsgenieNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 4000);
  });

  test("a 422 (invalid request) and a 401 are final", async () => {
    for (const status of [422, 401]) {
      reply = { status, body: '{"message":"Request body is not processable","took":0.0}' };
      const r = await opsgenieNotifier.send(settings(), sample(), ctx());
      assert.ok(!r.ok);
      assert.equal(r.retryable, false);
    }
  });

  test("an unreachable API is retryable and the error holds neither key nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await opsgenieNotifier.send({ ...settings(), apiUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(KEY), r.error);
    assert.ok(!r.error.includes(base), r.error);
  });
});
