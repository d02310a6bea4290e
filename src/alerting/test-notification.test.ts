import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Type } from "@sinclair/typebox";
import { channelsOf } from "../../test/helpers/alerting.ts";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import type { Notifier } from "../notifiers/types.ts";
import type { Channel } from "./delivery.ts";
import { SECRET_MASK } from "./secrets.ts";
import { sendTestNotification, testNotification } from "./test-notification.ts";

const AT = Date.UTC(2024, 4, 1, 12, 0, 0);

describe("test messages", () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const ok = async () => {
    const s = await startHttpServer((_q, res) => res.writeHead(200, { "Content-Type": "application/json" }).end("{}"));
    servers.push(s);
    return s;
  };

  test("the test notification says it is a test from Upbeat, names the channel and the time, and is about no monitor", () => {
    const n = testNotification("ops-slack", AT);
    assert.equal(n.kind, "test");
    assert.equal(n.severity, "info");
    assert.equal(n.title, 'Test message from Upbeat to channel "ops-slack"');
    assert.equal(n.text, 'This is a test message from Upbeat, sent at 2024-05-01T12:00:00.000Z to check that the channel "ops-slack" works. Nothing is down.');
    assert.deepEqual(n.monitors, []);
    assert.equal(n.idempotencyKey, `test:ops-slack:${AT}`);
    assert.equal(testNotification("x", AT, "https://upbeat.example.com/").url, "https://upbeat.example.com/");
  });

  test("every HTTP channel type delivers a test message to its receiver", async () => {
    const s = await ok();
    const u = s.url;
    const channels = channelsOf(`
channels:
  - { name: c-webhook, type: webhook, url: "${u}/webhook" }
  - { name: c-slack, type: slack, url: "${u}/slack" }
  - { name: c-discord, type: discord, url: "${u}/discord" }
  - { name: c-teams, type: teams, url: "${u}/teams" }
  - { name: c-mattermost, type: mattermost, url: "${u}/mattermost" }
  - { name: c-google-chat, type: google-chat, url: "${u}/google-chat" }
  - { name: c-telegram, type: telegram, botToken: "1:abc", chatId: 5, apiUrl: "${u}" }
  - { name: c-pagerduty, type: pagerduty, routingKey: rk, apiUrl: "${u}" }
  - { name: c-opsgenie, type: opsgenie, apiKey: k, apiUrl: "${u}" }
  - { name: c-pushover, type: pushover, token: t, user: u, apiUrl: "${u}" }
  - { name: c-ntfy, type: ntfy, topic: alerts, serverUrl: "${u}" }
  - { name: c-gotify, type: gotify, token: t, serverUrl: "${u}" }
  - { name: c-matrix, type: matrix, homeserverUrl: "${u}", accessToken: t, roomId: "!room:example.org" }
  - { name: c-mailgun, type: mailgun, domain: mg.example.com, apiKey: k, apiUrl: "${u}", from: a@example.com, to: b@example.com }
`);
    for (const ch of channels.values()) {
      const before = s.requests.length;
      const r = await sendTestNotification(ch, { timeoutMs: 3000 });
      assert.equal(r.delivered, true, `${ch.name}: ${r.error ?? ""}`);
      assert.equal(s.requests.length, before + 1, ch.name);
      const req = s.requests[before];
      const seen = decodeURIComponent(`${req?.body ?? ""} ${String(req?.headers.title ?? "")}`.replace(/\+/g, " "));
      assert.match(seen, /test message from Upbeat/i, ch.name);
    }
  });

  test("a failure says why — closed port, HTTP status, timeout — without the channel's secrets", async () => {
    const port = await closedPort();
    const closed = channelsOf(`channels: [{ name: tg, type: telegram, botToken: "123:SECRETtoken456", chatId: 1, apiUrl: "http://127.0.0.1:${port}" }]`).get("tg") as Channel;
    const r = await sendTestNotification(closed, { timeoutMs: 3000 });
    assert.deepEqual([r.delivered, r.retryable, r.channel, r.type], [false, true, "tg", "telegram"]);
    assert.match(r.error ?? "", /^request failed: /);
    assert.ok(!r.error?.includes("SECRETtoken"), r.error);

    const echo = await startHttpServer((req, res) => res.writeHead(401).end(`bad token in ${req.url ?? ""}`));
    servers.push(echo);
    const refused = channelsOf(`channels: [{ name: tg, type: telegram, botToken: "123:SECRETtoken456", chatId: 1, apiUrl: "${echo.url}" }]`).get("tg") as Channel;
    const r401 = await sendTestNotification(refused, { timeoutMs: 3000 });
    assert.deepEqual([r401.delivered, r401.retryable, r401.error], [false, false, `HTTP 401: bad token in /bot${SECRET_MASK}/sendMessage`]);

    const silent = await startHttpServer(() => {});
    servers.push(silent);
    const slow = channelsOf(`channels: [{ name: hook, type: webhook, url: "${silent.url}/" }]`).get("hook") as Channel;
    const t = await sendTestNotification(slow, { timeoutMs: 150 });
    assert.deepEqual([t.delivered, t.error], [false, "timed out"]);
    assert.ok(t.durationMs >= 140 && t.durationMs < 2000, `${t.durationMs} ms`);
  });

  test("a channel that throws is a failure with its secrets masked, never an exception", async () => {
    const throwing: Notifier<{ password: string }> = {
      schema: Type.Object({ password: Type.String({ secret: true }) }),
      send: (s) => Promise.reject(new Error(`login refused for password ${s.password}`)),
    };
    const ch: Channel = { name: "odd", kind: "odd", settings: { password: "pa55word!" }, notifier: throwing as Notifier<unknown> };
    const r = await sendTestNotification(ch);
    assert.deepEqual([r.delivered, r.error], [false, `channel error: login refused for password ${SECRET_MASK}`]);
  });
});
