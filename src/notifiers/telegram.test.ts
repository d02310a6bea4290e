/** The Telegram channel against a real Bot API stand-in on loopback: escaped HTML, topics, flood control. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliverOne, deliveryFailureTests, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { telegramNotifier } from "./telegram.ts";

const TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";
const settings = (apiUrl: string) => ({ botToken: TOKEN, chatId: -1001234, apiUrl });

describe("telegram notifier", () => {
  test("posts sendMessage with escaped HTML, no link preview", async () => {
    const n = sampleNotification({ text: 'checkout answered 503 <Service Unavailable> & "retry later"', url: "https://upbeat.example.com/m/m1?a=1&b=2" });
    const req = await deliverOne(telegramNotifier, settings, n);
    assert.equal(req.method, "POST");
    assert.equal(req.url, `/bot${TOKEN}/sendMessage`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(req.json, {
      chat_id: -1001234,
      text:
        "<b>DOWN: shop / checkout (HTTP 503)</b>\n" +
        "checkout answered 503 &lt;Service Unavailable&gt; &amp; &quot;retry later&quot;\n" +
        '<a href="https://upbeat.example.com/m/m1?a=1&amp;b=2">Open in Upbeat</a>',
      parse_mode: "HTML",
      disable_web_page_preview: true,
    });
  });

  test("posts into a forum topic and to a @channel", async () => {
    const toTopic = (apiUrl: string) => ({ ...settings(apiUrl), chatId: "@upbeat_alerts", messageThreadId: 42 });
    const body = (await deliverOne(telegramNotifier, toTopic, sampleNotification({ url: undefined }))).json as Record<string, unknown>;
    assert.equal(body.chat_id, "@upbeat_alerts");
    assert.equal(body.message_thread_id, 42);
    assert.ok(!String(body.text).includes("<a href"));
  });

  test("a 429 without Retry-After waits the body's parameters.retry_after", async () => {
    const body = '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 12","parameters":{"retry_after":12}}';
    const r = await withReceiver({ status: 429, body }, (s) => telegramNotifier.send(settings(s.url), sampleNotification(), channelCtx()));
    assert.ok(!r.ok && r.retryable);
    assert.equal(!r.ok && r.retryAfterMs, 12_000);
  });

  deliveryFailureTests(telegramNotifier, settings, { path: "", hidden: [TOKEN] });
});
