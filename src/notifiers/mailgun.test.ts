import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { type MailgunSettingsInput, mailgunNotifier } from "./mailgun.ts";
import type { ChannelContext, Notification } from "./types.ts";

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout is down.",
  monitors: [{ id: "shop/checkout", name: "checkout", status: "down", group: ["shop"], cause: "HTTP 503", incident: 4, labels: {} }],
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:shop/checkout:4",
  idempotencyKey: "upbeat:shop/checkout:4:opened:mailgun",
  ...over,
});

const ctx = (): ChannelContext => ({ signal: AbortSignal.timeout(5000), now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });

describe("mailgun channel", () => {
  let api: TestServer;
  let status = 200;
  before(async () => {
    api = await startHttpServer((_req, res) => {
      if (status === 200) res.writeHead(200, { "content-type": "application/json" }).end('{"id":"<20260102.1@mg.example.test>","message":"Queued. Thank you."}');
      else res.writeHead(status, { "content-type": "application/json", "retry-after": "7" }).end('{"message":"Forbidden"}');
    });
  });
  after(() => api.close());
  const settings = (over: Partial<MailgunSettingsInput> = {}): MailgunSettingsInput => ({
    domain: "mg.example.test",
    apiKey: "key-0123456789",
    apiUrl: `${api.url}/`,
    from: "Upbeat <upbeat@mg.example.test>",
    to: ["ops@example.test", "dev@example.test"],
    ...over,
  });

  test("posts the form to /v3/<domain>/messages with basic auth api:<key>", async () => {
    status = 200;
    const r = await mailgunNotifier.send(settings(), sample(), ctx());
    assert.deepEqual(r, { ok: true, detail: "queued by Mailgun as <20260102.1@mg.example.test>" });
    const req = api.requests.at(-1);
    assert.equal(req?.method, "POST");
    assert.equal(req?.url, "/v3/mg.example.test/messages");
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from("api:key-0123456789").toString("base64")}`);
    assert.equal(req?.headers["content-type"], "application/x-www-form-urlencoded");
    const form = new URLSearchParams(req?.body);
    assert.equal(form.get("from"), "Upbeat <upbeat@mg.example.test>");
    assert.deepEqual(form.getAll("to"), ["ops@example.test", "dev@example.test"]);
    assert.equal(form.get("subject"), "DOWN: shop / checkout (HTTP 503)");
    assert.equal(form.get("text"), "checkout is down.\n\n- shop / checkout: DOWN — HTTP 503\n");
    assert.match(form.get("html") ?? "", /<li>shop \/ checkout: DOWN — HTTP 503<\/li>/);
  });

  test("LOVEBEAT compat: Lovebeat's subject and text body, the to string as is, no html", async () => {
    status = 200;
    const n = sample({ compat: { tool: "lovebeat", alarm: "A", previous: "ok", current: "error", incident: 2, failedServices: [], publicUrl: "http://lb/" } });
    const r = await mailgunNotifier.send(settings({ to: "a@example.test, b@example.test" }), n, ctx());
    assert.equal(r.ok, true);
    const form = new URLSearchParams(api.requests.at(-1)?.body);
    assert.deepEqual([...form.keys()], ["from", "to", "subject", "text"]);
    assert.equal(form.get("to"), "a@example.test, b@example.test");
    assert.equal(form.get("subject"), "[LOVEBEAT] A-2");
    assert.equal(form.get("text"), "The status for alarm 'A' has changed from 'OK' to 'ERROR'\n");
  });

  test("401 is final, 503 retryable with Retry-After; the key never appears in the error", async () => {
    status = 401;
    const denied = await mailgunNotifier.send(settings(), sample(), ctx());
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.retryable, false);
    assert.doesNotMatch(!denied.ok ? denied.error : "", /key-0123456789/);
    status = 503;
    const busy = await mailgunNotifier.send(settings(), sample(), ctx());
    assert.equal(!busy.ok && busy.retryable, true);
    assert.equal(!busy.ok && busy.retryAfterMs, 7000);
  });

  test("an unreachable API is retryable", async () => {
    const r = await mailgunNotifier.send(settings({ apiUrl: `http://127.0.0.1:${await closedPort()}` }), sample(), ctx());
    assert.equal(!r.ok && r.retryable, true);
  });
});
