import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { matrixNotifier } from "./matrix.ts";
import type { ChannelContext, Notification } from "./types.ts";

const TOKEN = "syt_dXBiZWF0_lOmBwWqOqSPaSMaSxRhD_0abcd1";
const ROOM = "!OGEhHVWSdvArJzumhm:matrix.example.org";
const ROOM_PATH = "%21OGEhHVWSdvArJzumhm%3Amatrix.example.org";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503 <Service Unavailable>\nsince 03:04 & counting",
  monitors: [{ id: "m1", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: {} }],
  at: Date.UTC(2024, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:m1:7",
  idempotencyKey: "upbeat:m1:7:opened:matrix",
  url: "https://upbeat.example/m/m1",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });
const PATH = new RegExp(`^/_matrix/client/v3/rooms/${ROOM_PATH}/send/m\\.room\\.message/(upbeat-[0-9a-f]{32})$`);

describe("matrix notifier", () => {
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
    reply = { status: 200, body: '{"event_id":"$YUwRidLecu:matrix.example.org"}' };
  });
  const settings = () => ({ homeserverUrl: server.url, accessToken: TOKEN, roomId: ROOM });

  test("PUTs an m.room.message with plain and HTML bodies", async () => {
    assert.deepEqual(await matrixNotifier.send(settings(), sample(), ctx()), { ok: true });
    const req = server.requests[0]!;
    assert.equal(req.method, "PUT");
    assert.match(req.url, PATH);
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req.body), {
      msgtype: "m.text",
      body: "DOWN: shop / checkout (HTTP 503)\ncheckout answered 503 <Service Unavailable>\nsince 03:04 & counting\nhttps://upbeat.example/m/m1",
      format: "org.matrix.custom.html",
      formatted_body:
        "<b>DOWN: shop / checkout (HTTP 503)</b><br>checkout answered 503 &lt;Service Unavailable&gt;<br>since 03:04 &amp; counting<br>" +
        '<a href="https://upbeat.example/m/m1">Open in Upbeat</a>',
    });
  });

  test("a retry reuses the transaction id; another transition gets a new one", async () => {
    await matrixNotifier.send(settings(), sample(), ctx());
    await matrixNotifier.send(settings(), sample(), ctx());
    await matrixNotifier.send(settings(), sample({ kind: "incident.resolved", idempotencyKey: "upbeat:m1:7:resolved:matrix" }), ctx());
    const ids = server.requests.map((r) => PATH.exec(r.url)?.[1]);
    assert.ok(ids[0]);
    assert.equal(ids[1], ids[0]);
    assert.notEqual(ids[2], ids[0]);
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: "" };
    const r = await matrixNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After, or the body's retry_after_ms", async () => {
    reply = { status: 429, body: '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests"}', headers: { "retry-after": "2" } };
    const r = await matrixNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 2000);
    reply = { status: 429, body: '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":1500}' };
    const r2 = await matrixNotifier.send(settings(), sample(), ctx());
    assert.ok(!r2.ok);
    assert.equal(r2.retryAfterMs, 1500);
  });

  test("a 403 (not in the room) is final", async () => {
    reply = { status: 403, body: '{"errcode":"M_FORBIDDEN","error":"User @upbeat:matrix.example.org not in room"}' };
    const r = await matrixNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
    assert.match(r.error, /M_FORBIDDEN/);
  });

  test("an unreachable homeserver is retryable and the error holds neither token nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await matrixNotifier.send({ ...settings(), homeserverUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(TOKEN), r.error);
    assert.ok(!r.error.includes(base), r.error);
  });
});
