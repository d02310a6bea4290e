/** Channel secrets never reach the log, the stored delivery error or a config problem: real Slack and Telegram notifiers, a receiver that echoes the request path, real SQLite. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { capturedLog, channelsOf, echoingReceiver, openedEffect } from "../../test/helpers/alerting.ts";
import { configOf } from "../../test/helpers/engine.ts";
import { formatProblem } from "../config/problems.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { Alerting } from "./alerting.ts";
import { resolveAlerting } from "./config.ts";
import { SECRET_MASK } from "./secrets.ts";

const SLACK_TOKEN = "xoxWebhookSecret0123456789";
const BOT_TOKEN = "987654321:AAFbotSecret_token-Value";

describe("channel secrets in logs, stored errors and config problems", () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test("a failing Slack or Telegram delivery is logged and stored with the token masked", async () => {
    const hook = await echoingReceiver();
    const db = await sqliteStore();
    cleanups.push(hook.close, db.cleanup);
    const channels = channelsOf(`
channels:
  - { name: ops-slack, type: slack, url: "${hook.url}/services/T0TEAM123/B0HOOK456/${SLACK_TOKEN}" }
  - { name: ops-telegram, type: telegram, botToken: "${BOT_TOKEN}", chatId: 42, apiUrl: "${hook.url}" }
`);
    const { log, lines } = capturedLog();
    const alerting = new Alerting(db.store, { channels, routes: { channels: ["ops-slack", "ops-telegram"], groupWaitMs: 0, groupIntervalMs: 0 } }, () => undefined, log, Date.now, { pollMs: 50, timeoutMs: 2000 });
    await alerting.start();
    cleanups.push(() => alerting.stop());
    await alerting.handler(await openedEffect(db.store, "shop/checkout"));
    const dead = await waitFor("both deliveries dead", async () => {
      const rows = await db.store.deliveries({ status: "dead", limit: 10 });
      return rows.length === 2 ? rows : undefined;
    });
    assert.equal(hook.requests.length, 2, "each channel tried once (a 404 is final)");
    assert.ok(hook.requests.some((r) => r.url.includes(BOT_TOKEN)) && hook.requests.some((r) => r.url.includes(SLACK_TOKEN)), "the receiver saw the tokens, so its answer echoed them");

    for (const d of dead) {
      assert.match(d.lastError ?? "", /^HTTP 404: Cannot POST /, d.channel);
      assert.ok(d.lastError?.includes(SECRET_MASK), d.lastError);
      for (const secret of [SLACK_TOKEN, BOT_TOKEN, "T0TEAM123", "B0HOOK456", "AAFbotSecret"]) assert.ok(!d.lastError?.includes(secret), `${secret} in ${d.lastError}`);
    }
    assert.equal(dead.find((d) => d.channel === "ops-telegram")?.lastError, `HTTP 404: Cannot POST /bot${SECRET_MASK}/sendMessage`);

    const givenUp = lines.filter((l) => l.includes("notification given up"));
    assert.equal(givenUp.length, 2, lines.join(""));
    for (const l of givenUp) assert.ok(l.includes(SECRET_MASK), l);
    const all = lines.join("");
    for (const secret of [SLACK_TOKEN, BOT_TOKEN, "AAFbotSecret"]) assert.ok(!all.includes(secret), `${secret} logged`);
  });

  test("channel settings refused by their schema are reported without the secret values", () => {
    const { problems } = resolveAlerting(
      configOf(`
channels:
  - { name: a, type: slack, url: "hooks.slack.com/services/T0TEAM123/B0HOOK456/${SLACK_TOKEN}" }
  - { name: b, type: telegram, botToken: "AAFbotSecret no colon", chatId: 1 }
  - { name: c, type: email, host: smtp.example.com, from: a@example.com, to: b@example.com, auth: { user: u, password: 12345678 } }
`),
      NOTIFIERS,
    );
    const text = problems.map(formatProblem).join("\n");
    assert.deepEqual(problems.map((p) => p.path), ["channels[0].url", "channels[1].botToken", "channels[2].auth.password"], text);
    for (const secret of [SLACK_TOKEN, "T0TEAM123", "AAFbotSecret", "12345678"]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  });
});
