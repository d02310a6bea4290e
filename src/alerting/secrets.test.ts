import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TSchema } from "@sinclair/typebox";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { channelRedactor, maskSettings, redactorFor, redactResult, restoreSecrets, SECRET_MASK, secretForms, secretStrings } from "./secrets.ts";

const SLACK_URL = "https://hooks.slack.com/services/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";
const BOT_TOKEN = "123456789:AAHk3y-Secret_Value-xyz";

describe("channel secrets", () => {
  test("settings are shown with every schema-marked secret masked, everything else as it is", () => {
    assert.deepEqual(maskSettings(NOTIFIERS.slack.schema, { url: SLACK_URL, channel: "#ops" }), { url: SECRET_MASK, channel: "#ops" });
    assert.deepEqual(maskSettings(NOTIFIERS.telegram.schema, { botToken: BOT_TOKEN, chatId: -100123, apiUrl: "https://api.telegram.org" }), {
      botToken: SECRET_MASK,
      chatId: -100123,
      apiUrl: "https://api.telegram.org",
    });
    assert.deepEqual(
      maskSettings(NOTIFIERS.email.schema, { host: "smtp.example.com", port: 587, auth: { user: "alerts", password: "hunter2hunter2" }, from: "a@example.com", to: ["b@example.com"] }),
      { host: "smtp.example.com", port: 587, auth: { user: "alerts", password: SECRET_MASK }, from: "a@example.com", to: ["b@example.com"] },
      "a secret inside a nested object",
    );
    assert.deepEqual(
      maskSettings(NOTIFIERS.webhook.schema, { url: "https://example.com/hook?key=abc123def", method: "PUT", headers: { Authorization: "Bearer t0ken-value", "X-Team": "ops" } }),
      { url: SECRET_MASK, method: "PUT", headers: { Authorization: SECRET_MASK, "X-Team": SECRET_MASK } },
      "a secret map keeps its header names and masks every value",
    );
    assert.deepEqual(maskSettings(NOTIFIERS.sns.schema, { topicArn: "arn:aws:sns:eu-west-1:1:t", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG" }), {
      topicArn: "arn:aws:sns:eu-west-1:1:t",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: SECRET_MASK,
    });
    assert.deepEqual(maskSettings(NOTIFIERS.ntfy.schema, { topic: "alerts" }), { topic: "alerts" }, "an absent optional secret stays absent");
  });

  test("every credential-like setting of every channel type is marked secret in its schema", () => {
    // Names that say "credential"; an AWS access key id is an identifier, shown like a user name.
    const credential = /(token|password|secret|key)$/i;
    const notSecret = new Set(["accessKeyId"]);
    // Webhook URLs of these types carry their token in the URL itself.
    const urlIsSecret = new Set(["webhook", "slack", "discord", "teams", "mattermost", "google-chat"]);
    const unmarked: string[] = [];
    const visit = (kind: string, path: string, s: TSchema) => {
      const props = (s as { properties?: Record<string, TSchema> }).properties ?? {};
      for (const [name, p] of Object.entries(props)) {
        const marked = (p as { secret?: unknown }).secret === true;
        const should = (credential.test(name) && !notSecret.has(name)) || (name === "url" && urlIsSecret.has(kind));
        if (should && !marked) unmarked.push(`${kind}.${path}${name}`);
        visit(kind, `${path}${name}.`, p);
      }
    };
    for (const [kind, n] of Object.entries(NOTIFIERS)) visit(kind, "", n.schema);
    assert.deepEqual(unmarked, []);
    assert.deepEqual(secretStrings(NOTIFIERS.pushover.schema, { token: "apptoken123", user: "userkey456", device: "phone" }), ["apptoken123", "userkey456"], "Pushover's user key is a secret too");
  });

  test("a Slack webhook URL is masked whole, normalised, URL-encoded, as an echoed path, and by its token parts", () => {
    const redact = redactorFor([SLACK_URL]);
    assert.equal(redact(`request to ${SLACK_URL} failed`), `request to ${SECRET_MASK} failed`);
    assert.equal(redact("HTTP 404: Cannot POST /services/T0AB12CD3/B0EF45GH6/q1w2e3r4t5y6u7i8o9p0asdf"), `HTTP 404: Cannot POST ${SECRET_MASK}`);
    assert.equal(redact("invalid_token q1w2e3r4t5y6u7i8o9p0asdf for team T0AB12CD3"), `invalid_token ${SECRET_MASK} for team ${SECRET_MASK}`);
    assert.equal(redact(`callback=${encodeURIComponent(SLACK_URL)}`), `callback=${SECRET_MASK}`);
    assert.equal(redact("HTTP 400: no_service"), "HTTP 400: no_service", "text without a secret is left alone, words of the URL's path too");
    assert.equal(redact("the services are hooks"), "the services are hooks");
    assert.ok(!secretForms(SLACK_URL).includes("hooks.slack.com"), "the host is not a secret");
  });

  test("a message cut off inside a secret has the cut-off part masked", () => {
    const redact = redactorFor([BOT_TOKEN]);
    assert.equal(redact(`HTTP 404: Cannot POST /bot${BOT_TOKEN.slice(0, 14)}`), `HTTP 404: Cannot POST /bot${SECRET_MASK}`);
    assert.equal(redact(`HTTP 404: Cannot POST /bot${BOT_TOKEN}/sendMessage`), `HTTP 404: Cannot POST /bot${SECRET_MASK}/sendMessage`);
    assert.equal(redact("HTTP 404: 12345"), "HTTP 404: 12345", "a few characters that happen to start the token are not masked");
  });

  test("short secrets are not searched for (they would garble every message); none at all is the identity", () => {
    assert.equal(redactorFor(["abc"])("abc abc"), "abc abc");
    assert.equal(redactorFor([])("anything"), "anything");
  });

  test("a channel's failed outcome has its secrets masked in error and detail; a delivered one keeps its detail", () => {
    const channel = { settings: { botToken: BOT_TOKEN, chatId: 1 }, notifier: NOTIFIERS.telegram };
    assert.deepEqual(redactResult(channel, { ok: false, retryable: false, error: `HTTP 401: bot${BOT_TOKEN} unauthorized` }), { ok: false, retryable: false, error: `HTTP 401: bot${SECRET_MASK} unauthorized` });
    assert.deepEqual(redactResult(channel, { ok: true, detail: `sent with ${BOT_TOKEN}` }), { ok: true, detail: `sent with ${SECRET_MASK}` });
    assert.deepEqual(redactResult(channel, { ok: true }), { ok: true });
    assert.equal(channelRedactor(channel), channelRedactor(channel), "built once per channel");
  });

  test("an update that sends back the mask keeps the stored secret; a new value replaces it; a mask with nothing stored is named", () => {
    const stored = { host: "smtp.example.com", port: 587, auth: { user: "alerts", password: "hunter2hunter2" }, from: "a@example.com", to: ["b@example.com"] };
    const shown = maskSettings(NOTIFIERS.email.schema, stored) as typeof stored;
    assert.deepEqual(restoreSecrets(NOTIFIERS.email.schema, { ...shown, port: 465 }, stored), { value: { ...stored, port: 465 }, missing: [] });
    assert.deepEqual(restoreSecrets(NOTIFIERS.email.schema, { ...shown, auth: { user: "alerts", password: "new-password-1" } }, stored).value, { ...stored, auth: { user: "alerts", password: "new-password-1" } });
    const hook = { url: "https://example.com/hook?key=abc123def", headers: { Authorization: "Bearer t0ken-value", "X-Team": "ops" } };
    const edited = { url: SECRET_MASK, headers: { Authorization: SECRET_MASK, "X-Team": "web", "X-New": SECRET_MASK } };
    assert.deepEqual(restoreSecrets(NOTIFIERS.webhook.schema, edited, hook), { value: { url: hook.url, headers: { Authorization: "Bearer t0ken-value", "X-Team": "web", "X-New": undefined } }, missing: ["headers.X-New"] });
    assert.deepEqual(restoreSecrets(NOTIFIERS.slack.schema, { url: SECRET_MASK, channel: "#ops" }, undefined).missing, ["url"]);
  });
});
