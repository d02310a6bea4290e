/** The Pushover channel against a real API stand-in on loopback: the form, emergency priority, clipping. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SAMPLE_AT, channelCtx, deliverOne, deliveryFailureTests, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { pushoverNotifier } from "./pushover.ts";

const TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
const USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
const settings = (apiUrl: string) => ({ token: TOKEN, user: USER, apiUrl });
const fields = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe("pushover notifier", () => {
  test("posts a form to /1/messages.json", async () => {
    const req = await deliverOne(pushoverNotifier, settings, sampleNotification({ text: "checkout answered 503 & more", at: SAMPLE_AT + 678 }));
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/1/messages.json");
    assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(fields(req.body), {
      token: TOKEN,
      user: USER,
      title: "DOWN: shop / checkout (HTTP 503)",
      message: "checkout answered 503 & more",
      priority: "0",
      timestamp: "1714564800",
      url: "https://upbeat.example.com/monitors/shop.checkout",
      url_title: "Open in Upbeat",
    });
  });

  test("emergency priority carries retry and expire; a recovery drops to normal", () =>
    withReceiver(async (s) => {
      const emergency = { ...settings(s.url), priority: 2, retrySec: 45, expireSec: 600, device: "phone", sound: "siren" };
      await pushoverNotifier.send(emergency, sampleNotification({ url: undefined }), channelCtx());
      await pushoverNotifier.send(emergency, resolvedNotification(), channelCtx());
      const [alert, recovery] = s.requests.map((r) => fields(r.body));
      assert.equal(alert!.priority, "2");
      assert.equal(alert!.retry, "45");
      assert.equal(alert!.expire, "600");
      assert.equal(alert!.device, "phone");
      assert.equal(alert!.sound, "siren");
      assert.equal(alert!.url, undefined);
      assert.equal(recovery!.priority, "0");
      assert.equal(recovery!.retry, undefined);
      assert.equal(recovery!.expire, undefined);
    }));

  test("clips the message to 1024 characters", async () => {
    const req = await deliverOne(pushoverNotifier, settings, sampleNotification({ text: "z".repeat(5000) }));
    assert.equal(fields(req.body).message!.length, 1024);
  });

  deliveryFailureTests(pushoverNotifier, settings, { path: "", hidden: [TOKEN, USER] });
});
