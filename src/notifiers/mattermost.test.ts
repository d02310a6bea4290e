/** The Mattermost channel against a real receiver on loopback: text, overrides and a Slack-format attachment. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliveryFailureTests, onlyRequest, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { mattermostNotifier } from "./mattermost.ts";

describe("mattermost channel", () => {
  test("POSTs text, channel, username, icon_url and one attachment with a hex colour", () =>
    withReceiver({ headers: { "Content-Type": "text/plain" }, body: "ok" }, async (s) => {
      const settings = { url: `${s.url}/hooks/SECRETKEY`, channel: "ops", username: "upbeat", iconUrl: "https://x/i.png" };
      assert.equal((await mattermostNotifier.send(settings, sampleNotification({ text: "a <b> & c" }), channelCtx())).ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/hooks/SECRETKEY");
      assert.equal(req.headers["content-type"], "application/json");
      assert.deepEqual(req.json, {
        channel: "ops",
        username: "upbeat",
        icon_url: "https://x/i.png",
        text: "DOWN: shop / checkout (HTTP 503)",
        attachments: [
          {
            fallback: "DOWN: shop / checkout (HTTP 503)",
            color: "#A30200",
            title: "DOWN: shop / checkout (HTTP 503)",
            title_link: "https://upbeat.example.com/monitors/shop.checkout",
            text: "a <b> & c",
            fields: [{ title: "shop / checkout", value: "DOWN · HTTP 503\nhttps://shop.example.com/checkout", short: false }],
            footer: "Upbeat",
            ts: 1714564800,
          },
        ],
      });
    }));

  test("a recovery is green and without overrides the body has only text and attachments", () =>
    withReceiver(async (s) => {
      await mattermostNotifier.send({ url: s.url }, resolvedNotification(), channelCtx());
      const body = onlyRequest(s).json as { attachments: { color: string }[] };
      assert.deepEqual(Object.keys(body), ["text", "attachments"]);
      assert.equal(body.attachments[0]?.color, "#2EB886");
    }));

  deliveryFailureTests(mattermostNotifier, (url) => ({ url }));
});
