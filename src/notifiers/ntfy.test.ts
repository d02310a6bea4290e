import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { ntfyNotifier } from "./ntfy.ts";
import type { ChannelContext, Notification } from "./types.ts";

const TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503\nsince 03:04",
  monitors: [{ id: "m1", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: {} }],
  at: Date.UTC(2024, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:m1:7",
  idempotencyKey: "upbeat:m1:7:opened:ntfy",
  url: "https://upbeat.example/m/m1",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });

describe("ntfy notifier", () => {
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
    reply = { status: 200, body: '{"id":"sPs71M8A2T","time":1704164645,"event":"message","topic":"upbeat-alerts"}' };
  });
  const settings = () => ({ serverUrl: server.url, topic: "upbeat-alerts", token: TOKEN });

  test("posts the text to the topic with Title, Priority, Tags, Click and a bearer token", async () => {
    assert.deepEqual(await ntfyNotifier.send(settings(), sample(), ctx()), { ok: true });
    const req = server.requests[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/upbeat-alerts");
    assert.equal(req.body, "checkout answered 503\nsince 03:04");
    assert.equal(req.headers.title, "DOWN: shop / checkout (HTTP 503)");
    assert.equal(req.headers.priority, "5");
    assert.equal(req.headers.tags, "rotating_light");
    assert.equal(req.headers.click, "https://upbeat.example/m/m1");
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  });

  test("a recovery is tagged white_check_mark at default priority; extra tags follow", async () => {
    const s = { ...settings(), priority: 5, tags: ["shop"] };
    await ntfyNotifier.send(s, sample({ kind: "incident.resolved", severity: "resolved", title: "UP: shop / checkout", url: undefined }), ctx());
    const req = server.requests[0]!;
    assert.equal(req.headers.priority, "3");
    assert.equal(req.headers.tags, "white_check_mark,shop");
    assert.equal(req.headers.click, undefined);
  });

  test("basic authentication, and non-ASCII titles as RFC 2047 encoded words", async () => {
    const s = { serverUrl: `${server.url}/`, topic: "upbeat-alerts", username: "phil", password: "s3cr3t" };
    await ntfyNotifier.send(s, sample({ severity: "warning", title: "DEGRADED: café — checkout" }), ctx());
    const req = server.requests[0]!;
    assert.equal(req.url, "/upbeat-alerts");
    assert.equal(req.headers.authorization, `Basic ${Buffer.from("phil:s3cr3t").toString("base64")}`);
    assert.equal(req.headers.title, `=?UTF-8?B?${Buffer.from("DEGRADED: café — checkout").toString("base64")}?=`);
    assert.equal(req.headers.priority, "4");
    assert.equal(req.headers.tags, "warning");
  });

  test("clips the body to 4096 bytes", async () => {
    await ntfyNotifier.send(settings(), sample({ text: "é".repeat(5000) }), ctx());
    assert.ok(Buffer.byteLength(server.requests[0]!.body) <= 4096);
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: "" };
    const r = await ntfyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After", async () => {
    reply = { status: 429, body: '{"code":42901,"http":429,"error":"limit reached: too many requests"}', headers: { "retry-after": "9" } };
    const r = await ntfyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 9000);
  });

  test("a 403 is final", async () => {
    reply = { status: 403, body: '{"code":40301,"http":403,"error":"forbidden"}' };
    const r = await ntfyNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
  });

  test("an unreachable server is retryable and the error holds neither token nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await ntfyNotifier.send({ ...settings(), serverUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(TOKEN), r.error);
    assert.ok(!r.error.includes(base) && !r.error.includes("upbeat-alerts"), r.error);
  });
});
