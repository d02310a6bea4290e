import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { telegramNotifier } from "./telegram.ts";
import type { ChannelContext, Notification } from "./types.ts";

const TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503 <Service Unavailable> & \"retry later\"",
  monitors: [{ id: "m1", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: {} }],
  at: Date.UTC(2024, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:m1:7",
  idempotencyKey: "upbeat:m1:7:opened:tg",
  url: "https://upbeat.example/m/m1?a=1&b=2",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });

describe("telegram notifier", () => {
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
    reply = { status: 200, body: '{"ok":true,"result":{"message_id":1}}' };
  });
  const settings = () => ({ botToken: TOKEN, chatId: -1001234, apiUrl: server.url });

  test("posts sendMessage with escaped HTML, no link preview", async () => {
    const r = await telegramNotifier.send(settings(), sample(), ctx());
    assert.deepEqual(r, { ok: true });
    assert.equal(server.requests.length, 1);
    const req = server.requests[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.url, `/bot${TOKEN}/sendMessage`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req.body), {
      chat_id: -1001234,
      text:
        "<b>DOWN: shop / checkout (HTTP 503)</b>\n" +
        "checkout answered 503 &lt;Service Unavailable&gt; &amp; &quot;retry later&quot;\n" +
        '<a href="https://upbeat.example/m/m1?a=1&amp;b=2">Open in Upbeat</a>',
      parse_mode: "HTML",
      disable_web_page_preview: true,
    });
  });

  test("posts into a forum topic and to a @channel", async () => {
    const r = await telegramNotifier.send({ ...settings(), chatId: "@upbeat_alerts", messageThreadId: 42 }, sample({ url: undefined }), ctx());
    assert.equal(r.ok, true);
    const body = JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
    assert.equal(body.chat_id, "@upbeat_alerts");
    assert.equal(body.message_thread_id, 42);
    assert.ok(!String(body.text).includes("<a href"));
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: '{"ok":false,"error_code":500,"description":"Internal Server Error"}' };
    const r = await telegramNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After, or the body's retry_after", async () => {
    reply = { status: 429, body: '{"ok":false,"error_code":429}', headers: { "retry-after": "7" } };
    const r = await telegramNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 7000);
    reply = { status: 429, body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 12","parameters":{"retry_after":12}}' };
    const r2 = await telegramNotifier.send(settings(), sample(), ctx());
    assert.ok(!r2.ok);
    assert.equal(r2.retryAfterMs, 12000);
  });

  test("a 400 (chat not found) is final", async () => {
    reply = { status: 400, body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}' };
    const r = await telegramNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
    assert.match(r.error, /chat not found/);
  });

  test("an unreachable API is retryable and the error holds neither token nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await telegramNotifier.send({ ...settings(), apiUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(TOKEN), r.error);
    assert.ok(!r.error.includes(base), r.error);
  });
});
