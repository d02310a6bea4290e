/** The alerting routes in process: real notifiers, local receivers, real SQLite, the delivery loop running. */
import { openAccess } from "./access.ts";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { capturedLog, channelsOf, echoingReceiver, openedEffect } from "../../test/helpers/alerting.ts";
import { quietLog } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { Alerting } from "../alerting/alerting.ts";
import { SECRET_MASK } from "../alerting/secrets.ts";
import type { Store } from "../store/types.ts";
import { alertingRoutes } from "./alerting-routes.ts";
import { buildApp } from "./app.ts";

const SLACK_TOKEN = "xoxHookToken9876543210abc";
const BOT_TOKEN = "555666777:AAGsecretBot_token-Zz9";
const HEADER_TOKEN = "Bearer hdr-secret-42424242";
const SMTP_PASSWORD = "smtp-pa55word-xyz";
const SECRETS = [SLACK_TOKEN, BOT_TOKEN, "AAGsecretBot", HEADER_TOKEN, "hdr-secret-42424242", SMTP_PASSWORD, "T0TEAM999"];

/** Fails when any secret appears in `text`. */
function assertNoSecrets(text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${s} in ${text}`);
}

describe("alerting API", () => {
  let app: FastifyInstance;
  let store: Store;
  let echo: Awaited<ReturnType<typeof echoingReceiver>>;
  let hook: TestServer;
  let alerting: Alerting;
  const { log, lines } = capturedLog();
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    const db = await sqliteStore();
    store = db.store;
    echo = await echoingReceiver();
    hook = await startHttpServer((_q, res) => res.writeHead(204).end());
    const channels = channelsOf(`
channels:
  - { name: ops-slack, type: slack, url: "${echo.url}/services/T0TEAM999/B0HOOK111/${SLACK_TOKEN}", channel: "#ops" }
  - { name: ops-telegram, type: telegram, botToken: "${BOT_TOKEN}", chatId: 42, apiUrl: "${echo.url}" }
  - { name: hook, type: webhook, url: "${hook.url}/upbeat", headers: { Authorization: "${HEADER_TOKEN}" } }
  - { name: mail, type: email, host: 127.0.0.1, port: 2525, auth: { user: alerts, password: "${SMTP_PASSWORD}" }, from: a@example.com, to: b@example.com }
`);
    alerting = new Alerting(store, { channels, routes: { channels: ["ops-slack", "ops-telegram"], groupWaitMs: 0, groupIntervalMs: 0 } }, () => undefined, log, Date.now, { pollMs: 50, timeoutMs: 2000 });
    await alerting.start();
    const deliverer = alerting.deliverer;
    app = buildApp({ access: openAccess(), store, engine: () => undefined, ready: () => true, log, extraRoutes: [(scope) => alertingRoutes(scope, { channels: () => deliverer.currentChannels(), kick: () => deliverer.kick(), store, log })] });
    await app.ready();
    cleanups.push(() => app.close(), () => alerting.stop(), echo.close, hook.close, db.cleanup);
  });
  after(async () => {
    for (const c of cleanups) await c();
  });

  test("GET /api/v1/channels lists name, type and settings with every secret masked", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/channels" });
    assert.equal(res.statusCode, 200);
    assertNoSecrets(res.body);
    const { channels } = res.json<{ channels: Array<{ name: string; type: string; settings: Record<string, unknown> }> }>();
    assert.deepEqual(channels.map((c) => [c.name, c.type]), [["hook", "webhook"], ["mail", "email"], ["ops-slack", "slack"], ["ops-telegram", "telegram"]]);
    const by = new Map(channels.map((c) => [c.name, c.settings]));
    assert.deepEqual(by.get("ops-slack"), { url: SECRET_MASK, channel: "#ops" });
    assert.deepEqual(by.get("ops-telegram"), { botToken: SECRET_MASK, chatId: 42, apiUrl: echo.url });
    assert.deepEqual(by.get("hook")?.headers, { Authorization: SECRET_MASK });
    assert.equal(by.get("hook")?.url, SECRET_MASK);
    assert.deepEqual(by.get("mail")?.auth, { user: "alerts", password: SECRET_MASK });
  });

  test("POST /api/v1/channels/:name/test delivers a test message now and says so", async () => {
    const res = await app.inject({ method: "POST", url: "/api/v1/channels/hook/test" });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<Record<string, unknown>>(), { channel: "hook", type: "webhook", delivered: true, durationMs: res.json<{ durationMs: number }>().durationMs });
    assert.equal(hook.requests.length, 1);
    const got = JSON.parse(hook.requests[0]?.body ?? "") as { kind: string; title: string; monitors: unknown[] };
    assert.deepEqual([got.kind, got.title, got.monitors], ["test", 'Test message from Upbeat to channel "hook"', []]);
    assert.equal(hook.requests[0]?.headers.authorization, HEADER_TOKEN, "the real header went to the receiver");
    assert.ok(lines.some((l) => l.includes("test notification sent") && l.includes('"delivered":true')));
  });

  test("a failed test answers 502 with the reason and no secret; an unknown channel is 404 in the standard shape", async () => {
    const res = await app.inject({ method: "POST", url: "/api/v1/channels/ops-telegram/test" });
    assert.equal(res.statusCode, 502);
    assertNoSecrets(res.body);
    const body = res.json<{ delivered: boolean; error: string; retryable: boolean }>();
    assert.deepEqual([body.delivered, body.error, body.retryable], [false, `HTTP 404: Cannot POST /bot${SECRET_MASK}/sendMessage`, false]);
    assert.ok(echo.requests.at(-1)?.url.includes(BOT_TOKEN), "the receiver was asked with the real token");
    const missing = await app.inject({ method: "POST", url: "/api/v1/channels/nope/test" });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { code: "UPBEAT_CHANNEL_NOT_FOUND", message: 'no channel "nope"', statusCode: 404 });
    assertNoSecrets(lines.join(""));
  });

  test("GET /api/v1/deliveries lists dead letters with the notification and a masked last error; filters by status and channel", async () => {
    await alerting.handler(await openedEffect(store, "shop/checkout"));
    await waitFor("two dead deliveries", async () => (await store.deliveries({ status: "dead", limit: 10 })).length === 2);
    const res = await app.inject({ method: "GET", url: "/api/v1/deliveries?status=dead" });
    assert.equal(res.statusCode, 200);
    assertNoSecrets(res.body);
    const { deliveries } = res.json<{ deliveries: Array<Record<string, unknown> & { notification: Record<string, unknown>; lastError: string }> }>();
    assert.deepEqual(deliveries.map((d) => d.channel).sort(), ["ops-slack", "ops-telegram"]);
    for (const d of deliveries) {
      assert.deepEqual([d.status, d.attempts, typeof d.createdAt, typeof d.doneAt], ["dead", 1, "number", "number"]);
      assert.match(String(d.key), /^shop\/checkout#1:.*:ops-(slack|telegram)$/);
      assert.match(d.lastError, /^HTTP 404: Cannot POST /);
      assert.ok(d.lastError.includes(SECRET_MASK));
      assert.deepEqual([d.notification.kind, d.notification.severity, d.notification.title, d.notification.monitors], ["incident.opened", "critical", "DOWN: shop / shop/checkout", ["shop/checkout"]]);
    }
    assertNoSecrets(lines.join(""));
    const slack = await app.inject({ method: "GET", url: "/api/v1/deliveries?channel=ops-slack&limit=5" });
    assert.equal(slack.json<{ deliveries: unknown[] }>().deliveries.length, 1);
    assert.deepEqual((await app.inject({ method: "GET", url: "/api/v1/deliveries?status=sent" })).json(), { deliveries: [] });
    const bad = await app.inject({ method: "GET", url: "/api/v1/deliveries?status=lost" });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ code: string }>().code, "UPBEAT_BAD_REQUEST");
  });

  test("POST /api/v1/deliveries/:key/retry puts a dead delivery back and it is sent; only dead ones, only known keys", async () => {
    const [dead] = await store.deliveries({ status: "dead", channel: "ops-telegram", limit: 1 });
    assert.ok(dead);
    echo.mode.fixed = true;
    const url = `/api/v1/deliveries/${encodeURIComponent(dead.key)}/retry`;
    const res = await app.inject({ method: "POST", url });
    assert.equal(res.statusCode, 200, res.body);
    const { delivery } = res.json<{ delivery: Record<string, unknown> }>();
    assert.deepEqual([delivery.key, delivery.status, delivery.attempts], [dead.key, "pending", 0]);
    await waitFor("the retried delivery sent", async () => (await store.deliveries({ key: dead.key, limit: 1 }))[0]?.status === "done");
    const sent = (await app.inject({ method: "GET", url: "/api/v1/deliveries?status=sent" })).json<{ deliveries: Array<{ key: string; status: string }> }>();
    assert.deepEqual(sent.deliveries.map((d) => [d.key, d.status]), [[dead.key, "sent"]]);
    const again = await app.inject({ method: "POST", url });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json<{ code: string }>().code, "UPBEAT_DELIVERY_NOT_DEAD");
    const unknown = await app.inject({ method: "POST", url: "/api/v1/deliveries/no%2Fsuch%3Akey/retry" });
    assert.deepEqual(unknown.json(), { code: "UPBEAT_DELIVERY_NOT_FOUND", message: 'no delivery "no/such:key"', statusCode: 404 });
  });

  test("a dead letter of a channel no longer configured is not retried; an error stored unmasked is masked on the way out", async () => {
    const row = (key: string, channel: string) => ({ key, channel, groupKey: "g", payload: { kind: "incident.opened", title: "old" }, notBefore: Date.now() + 3_600_000 });
    await store.enqueueDeliveries([row("old:gone", "gone"), row("old:tg", "ops-telegram")], [], Date.now());
    const [gone, tg] = [(await store.deliveries({ key: "old:gone", limit: 1 }))[0], (await store.deliveries({ key: "old:tg", limit: 1 }))[0]];
    assert.ok(gone && tg);
    await store.markDeliveries([gone.id], { status: "dead", at: Date.now(), error: "x" });
    await store.markDeliveries([tg.id], { status: "dead", at: Date.now(), error: `HTTP 401: bot${BOT_TOKEN} is not authorised` });
    const res = await app.inject({ method: "POST", url: "/api/v1/deliveries/old%3Agone/retry" });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json<{ code: string }>().code, "UPBEAT_CHANNEL_NOT_FOUND");
    const list = await app.inject({ method: "GET", url: "/api/v1/deliveries?channel=ops-telegram&status=dead" });
    assertNoSecrets(list.body);
    assert.equal(list.json<{ deliveries: Array<{ lastError: string }> }>().deliveries[0]?.lastError, `HTTP 401: bot${SECRET_MASK} is not authorised`);
  });

  test("while starting (no channels yet) the channel routes answer 503", async () => {
    const db = await sqliteStore();
    const early = buildApp({ access: openAccess(), store: db.store, engine: () => undefined, ready: () => false, log: quietLog, extraRoutes: [(scope) => alertingRoutes(scope, { channels: () => undefined, kick: () => {}, store: db.store, log: quietLog })] });
    try {
      const res = await early.inject({ method: "GET", url: "/api/v1/channels" });
      assert.deepEqual(res.json(), { code: "UPBEAT_NOT_READY", message: "starting or stopping", statusCode: 503 });
      assert.equal((await early.inject({ method: "POST", url: "/api/v1/channels/x/test" })).statusCode, 503);
    } finally {
      await early.close();
      await db.cleanup();
    }
  });
});
