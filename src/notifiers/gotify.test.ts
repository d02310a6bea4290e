/** The Gotify channel against a real server stand-in on loopback: JSON message, key header, priorities. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliverOne, deliveryFailureTests, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { gotifyNotifier } from "./gotify.ts";

const TOKEN = "AQzVr3pbK.7aGQs";
const settings = (base: string) => ({ serverUrl: `${base}/`, token: TOKEN });

describe("gotify notifier", () => {
  test("posts JSON to /message with X-Gotify-Key", async () => {
    const req = await deliverOne(gotifyNotifier, settings);
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/message");
    assert.equal(req.headers["x-gotify-key"], TOKEN);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(req.json, {
      title: "DOWN: shop / checkout (HTTP 503)",
      message: "checkout is down: HTTP 503\nsince 12:00 UTC",
      priority: 8,
      extras: { "client::notification": { click: { url: "https://upbeat.example.com/monitors/shop.checkout" } } },
    });
  });

  test("priority: severity default, the setting for alerts, at most 5 for recoveries", () =>
    withReceiver(async (s) => {
      await gotifyNotifier.send(settings(s.url), sampleNotification({ severity: "warning", url: undefined }), channelCtx());
      await gotifyNotifier.send({ ...settings(s.url), priority: 10 }, sampleNotification(), channelCtx());
      await gotifyNotifier.send({ ...settings(s.url), priority: 10 }, resolvedNotification(), channelCtx());
      const bodies = s.requests.map((r) => JSON.parse(r.body) as { priority: number; extras?: unknown });
      assert.deepEqual(bodies.map((b) => b.priority), [5, 10, 5]);
      assert.equal(bodies[0]!.extras, undefined);
    }));

  deliveryFailureTests(gotifyNotifier, settings, { path: "", hidden: [TOKEN], finalStatuses: [401] });
});
