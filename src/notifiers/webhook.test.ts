/** The generic webhook against a real receiver on loopback: default body, templates, GET, Lovebeat's exact wire. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { closedPort } from "../../test/helpers/http-server.ts";
import {
  channelCtx,
  deliveryFailureTests,
  lovebeatNotification,
  onlyRequest,
  sampleNotification,
  withReceiver,
} from "../../test/helpers/notifications.ts";
import { validateWebhookTemplate, webhookNotifier } from "./webhook.ts";

describe("webhook channel", () => {
  test("POSTs Upbeat's JSON body with Idempotency-Key and the configured headers", () =>
    withReceiver({ status: 204 }, async (s) => {
      const r = await webhookNotifier.send({ url: `${s.url}/in?x=1`, headers: { Authorization: "Bearer t0k", "idempotency-key": "mine" } }, sampleNotification(), channelCtx());
      assert.equal(r.ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/in?x=1");
      assert.equal(req.headers["content-type"], "application/json");
      assert.equal(req.headers["idempotency-key"], "shop.checkout#7:opened:ch1", "Upbeat's key wins over a configured one");
      assert.equal(req.headers.authorization, "Bearer t0k");
      assert.equal(
        req.body,
        '{"kind":"incident.opened","severity":"critical","title":"DOWN: shop / checkout (HTTP 503)","text":"checkout is down: HTTP 503\\nsince 12:00 UTC",' +
          '"at":"2024-05-01T12:00:00.000Z","url":"https://upbeat.example.com/monitors/shop.checkout","dedupKey":"shop.checkout#7","idempotencyKey":"shop.checkout#7:opened:ch1",' +
          '"monitors":[{"id":"shop.checkout","name":"checkout","status":"down","group":["shop"],"target":"https://shop.example.com/checkout","cause":"HTTP 503","incident":7,' +
          '"openedAt":"2024-05-01T12:00:00.000Z","labels":{"team":"payments"}}]}',
      );
    }));

  test("a template is filled with JSON-escaped values and sent with the configured method and content type", () =>
    withReceiver(async (s) => {
      const template = '{"msg":"{{ title }}","body":"{{text}}","at":"{{at}}","m":"{{monitor.name}}/{{monitor.status}}/{{monitor.cause}}","u":"{{url}}"}';
      const n = sampleNotification({ title: 'DOWN: "shop" \\ checkout', url: undefined });
      const r = await webhookNotifier.send({ url: `${s.url}/t`, method: "PUT", template, contentType: "application/vnd.x+json" }, n, channelCtx());
      assert.equal(r.ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "PUT");
      assert.equal(req.headers["content-type"], "application/vnd.x+json");
      assert.equal(
        req.body,
        '{"msg":"DOWN: \\"shop\\" \\\\ checkout","body":"checkout is down: HTTP 503\\nsince 12:00 UTC","at":"2024-05-01T12:00:00.000Z","m":"checkout/down/HTTP 503","u":""}',
      );
      assert.deepEqual(req.json, { msg: 'DOWN: "shop" \\ checkout', body: "checkout is down: HTTP 503\nsince 12:00 UTC", at: "2024-05-01T12:00:00.000Z", m: "checkout/down/HTTP 503", u: "" });
    }));

  test("validateWebhookTemplate names unknown placeholders; send refuses such a template without a request", async () => {
    assert.equal(validateWebhookTemplate('{"a":"{{title}}{{kind}}{{severity}}{{monitor.id}}","b":"{{ idempotencyKey }}"}'), undefined);
    assert.equal(validateWebhookTemplate("no placeholders {at all}"), undefined);
    const problem = validateWebhookTemplate("{{title}} {{tilte}} {{monitor.nmae}} {{tilte}}");
    assert.match(problem ?? "", /^unknown template placeholders \{\{tilte\}\}, \{\{monitor\.nmae\}\}; known: \{\{title\}\}/);
    await withReceiver(async (s) => {
      const r = await webhookNotifier.send({ url: s.url, template: "{{nope}}" }, sampleNotification(), channelCtx());
      assert.deepEqual(r, { ok: false, retryable: false, error: validateWebhookTemplate("{{nope}}") });
      assert.equal(s.requests.length, 0);
    });
  });

  test("GET sends no body, only the Idempotency-Key", () =>
    withReceiver(async (s) => {
      assert.equal((await webhookNotifier.send({ url: `${s.url}/ping`, method: "GET" }, sampleNotification(), channelCtx())).ok, true);
      const req = s.requests[0];
      assert.equal(req?.method, "GET");
      assert.equal(req?.body, "");
      assert.equal(req?.headers["idempotency-key"], "shop.checkout#7:opened:ch1");
    }));

  test("Lovebeat alarm: POST of Lovebeat's exact body and headers (compat §2.9)", () =>
    withReceiver(async (s) => {
      assert.equal((await webhookNotifier.send({ url: `${s.url}/h` }, lovebeatNotification("ok", "error"), channelCtx())).ok, true);
      assert.equal((await webhookNotifier.send({ url: `${s.url}/h`, method: "PUT" }, lovebeatNotification("error", "ok"), channelCtx())).ok, true);
      const [down, up] = s.requests;
      assert.equal(down?.method, "POST");
      assert.equal(down?.url, "/h");
      assert.equal(down?.body, '{"name":"server-alpha","from_state":"OK","to_state":"ERROR","incident_number":2}');
      assert.equal(down?.headers["content-type"], "application/json");
      assert.equal(down?.headers.accept, "application/json");
      assert.equal(down?.headers["user-agent"], "Lovebeat");
      assert.equal(down?.headers["x-lovebeat"], "1");
      assert.equal(down?.headers["idempotency-key"], undefined);
      assert.equal(up?.method, "POST", "only GET changes the method");
      assert.equal(up?.body, '{"name":"server-alpha","from_state":"ERROR","to_state":"OK","incident_number":2}');
    }));

  test("Lovebeat alarm with method GET: GET with the JSON body, as old Lovebeat sent it", () =>
    withReceiver(async (s) => {
      assert.deepEqual(await webhookNotifier.send({ url: `${s.url}/h?k=v`, method: "GET" }, lovebeatNotification("ok", "error"), channelCtx()), { ok: true });
      const req = onlyRequest(s);
      assert.equal(req.method, "GET");
      assert.equal(req.url, "/h?k=v");
      assert.equal(req.body, '{"name":"server-alpha","from_state":"OK","to_state":"ERROR","incident_number":2}');
      assert.equal(req.headers["content-type"], "application/json");
      assert.equal(req.headers.accept, "application/json");
      assert.equal(req.headers["user-agent"], "Lovebeat");
      assert.equal(req.headers["x-lovebeat"], "1");
    }));

  test("Lovebeat GET is classified like every other request", async () => {
    const n = lovebeatNotification();
    for (const [status, headers, expected] of [
      [503, {}, { ok: false, retryable: true, error: "HTTP 503: busy" }],
      [429, { "Retry-After": "7" }, { ok: false, retryable: true, retryAfterMs: 7000, error: "HTTP 429: busy" }],
      [404, {}, { ok: false, retryable: false, error: "HTTP 404: busy" }],
    ] as const) {
      await withReceiver({ status, headers, body: "busy" }, async (s) => {
        assert.deepEqual(await webhookNotifier.send({ url: `${s.url}/h`, method: "GET" }, n, channelCtx()), expected);
      });
    }
    const url = `http://127.0.0.1:${await closedPort()}/h/SECRET`;
    const r = await webhookNotifier.send({ url, method: "GET" }, n, channelCtx());
    assert.ok(!r.ok && r.retryable && !r.error.includes(url) && !r.error.includes("SECRET"), JSON.stringify(r));
  });

  deliveryFailureTests(webhookNotifier, (url) => ({ url }));
});
