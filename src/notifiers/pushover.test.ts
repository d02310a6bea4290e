import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { pushoverNotifier } from "./pushover.ts";
import type { ChannelContext, Notification } from "./types.ts";

const TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
const USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout answered 503 & more",
  monitors: [{ id: "m1", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 7, labels: {} }],
  at: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
  dedupKey: "upbeat:m1:7",
  idempotencyKey: "upbeat:m1:7:opened:po",
  url: "https://upbeat.example/m/m1",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: Date.now });
const fields = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe("pushover notifier", () => {
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
    reply = { status: 200, body: '{"status":1,"request":"647d2300-702c-4b38-8b2f-d56326ae460b"}' };
  });
  const settings = () => ({ token: TOKEN, user: USER, apiUrl: server.url });

  test("posts a form to /1/messages.json", async () => {
    assert.deepEqual(await pushoverNotifier.send(settings(), sample(), ctx()), { ok: true });
    const req = server.requests[0]!;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/1/messages.json");
    assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(fields(req.body), {
      token: TOKEN,
      user: USER,
      title: "DOWN: shop / checkout (HTTP 503)",
      message: "checkout answered 503 & more",
      priority: "0",
      timestamp: "1704164645",
      url: "https://upbeat.example/m/m1",
      url_title: "Open in Upbeat",
    });
  });

  test("emergency priority carries retry and expire; a recovery drops to normal", async () => {
    const s = { ...settings(), priority: 2, retrySec: 45, expireSec: 600, device: "phone", sound: "siren" };
    await pushoverNotifier.send(s, sample({ url: undefined }), ctx());
    await pushoverNotifier.send(s, sample({ kind: "incident.resolved", severity: "resolved" }), ctx());
    const [alert, recovery] = server.requests.map((r) => fields(r.body));
    assert.equal(alert!.priority, "2");
    assert.equal(alert!.retry, "45");
    assert.equal(alert!.expire, "600");
    assert.equal(alert!.device, "phone");
    assert.equal(alert!.sound, "siren");
    assert.equal(alert!.url, undefined);
    assert.equal(recovery!.priority, "0");
    assert.equal(recovery!.retry, undefined);
    assert.equal(recovery!.expire, undefined);
  });

  test("clips the message to 1024 characters", async () => {
    await pushoverNotifier.send(settings(), sample({ text: "z".repeat(5000) }), ctx());
    assert.equal(fields(server.requests[0]!.body).message!.length, 1024);
  });

  test("a 500 is retryable", async () => {
    reply = { status: 500, body: "" };
    const r = await pushoverNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
  });

  test("a 429 honours Retry-After", async () => {
    reply = { status: 429, body: '{"status":0,"errors":["message limit reached"]}', headers: { "retry-after": "60" } };
    const r = await pushoverNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.retryAfterMs, 60_000);
  });

  test("a 400 (invalid user) is final", async () => {
    reply = { status: 400, body: '{"user":"invalid","errors":["user identifier is invalid"],"status":0,"request":"5042853c"}' };
    const r = await pushoverNotifier.send(settings(), sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
    assert.match(r.error, /user identifier is invalid/);
  });

  test("an unreachable API is retryable and the error holds neither token nor URL", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await pushoverNotifier.send({ ...settings(), apiUrl: base }, sample(), ctx());
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.ok(!r.error.includes(TOKEN) && !r.error.includes(USER), r.error);
    assert.ok(!r.error.includes(base), r.error);
  });
});
