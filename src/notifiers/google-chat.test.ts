/** The Google Chat channel against a real receiver on loopback: text, card, thread per incident. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliveryFailureTests, onlyRequest, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { googleChatNotifier } from "./google-chat.ts";

describe("google chat channel", () => {
  test("POSTs text and a card, threaded by the incident's key", () =>
    withReceiver({ headers: { "Content-Type": "application/json" }, body: "{}" }, async (s) => {
      const url = `${s.url}/v1/spaces/AAA/messages?key=K&token=SECRET`;
      assert.equal((await googleChatNotifier.send({ url }, sampleNotification({ text: "a <b> & c" }), channelCtx())).ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/v1/spaces/AAA/messages?key=K&token=SECRET&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
      assert.equal(req.headers["content-type"], "application/json; charset=UTF-8");
      assert.deepEqual(req.json, {
        text: "*DOWN: shop / checkout (HTTP 503)*\na <b> & c",
        cardsV2: [
          {
            cardId: "upbeat",
            card: {
              sections: [
                {
                  widgets: [
                    { decoratedText: { topLabel: "shop / checkout", text: "DOWN · HTTP 503<br>https://shop.example.com/checkout", wrapText: true } },
                    { buttonList: { buttons: [{ text: "Open in Upbeat", onClick: { openLink: { url: "https://upbeat.example.com/monitors/shop.checkout" } } }] } },
                  ],
                },
              ],
            },
          },
        ],
        thread: { threadKey: "shop.checkout#7" },
      });
    }));

  test("the recovery goes to the same thread; without threads the URL and body have none", () =>
    withReceiver(async (s) => {
      await googleChatNotifier.send({ url: `${s.url}/m?messageReplyOption=REPLY_MESSAGE_OR_FAIL` }, resolvedNotification(), channelCtx());
      await googleChatNotifier.send({ url: `${s.url}/m`, threadPerIncident: false }, sampleNotification({ monitors: [], url: undefined }), channelCtx());
      const [up, plain] = s.requests;
      assert.equal(up?.url, "/m?messageReplyOption=REPLY_MESSAGE_OR_FAIL", "an explicit reply option is kept");
      assert.deepEqual((JSON.parse(up?.body ?? "{}") as { thread: unknown }).thread, { threadKey: "shop.checkout#7" });
      assert.equal(plain?.url, "/m");
      assert.deepEqual(JSON.parse(plain?.body ?? "{}"), { text: "*DOWN: shop / checkout (HTTP 503)*\ncheckout is down: HTTP 503\nsince 12:00 UTC" });
    }));

  deliveryFailureTests(googleChatNotifier, (url) => ({ url }));
});
