/** The Matrix channel against a real homeserver stand-in on loopback: m.room.message, transaction ids, rate limits. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliverOne, deliveryFailureTests, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { matrixNotifier } from "./matrix.ts";

const TOKEN = "syt_dXBiZWF0_lOmBwWqOqSPaSMaSxRhD_0abcd1";
const ROOM = "!OGEhHVWSdvArJzumhm:matrix.example.org";
const ROOM_PATH = "%21OGEhHVWSdvArJzumhm%3Amatrix.example.org";
const PATH = new RegExp(`^/_matrix/client/v3/rooms/${ROOM_PATH}/send/m\\.room\\.message/(upbeat-[0-9a-f]{32})$`);
const settings = (homeserverUrl: string) => ({ homeserverUrl, accessToken: TOKEN, roomId: ROOM });

describe("matrix notifier", () => {
  test("PUTs an m.room.message with plain and HTML bodies", async () => {
    const n = sampleNotification({ text: "checkout answered 503 <Service Unavailable>\nsince 12:00 & counting" });
    const req = await deliverOne(matrixNotifier, settings, n);
    assert.equal(req.method, "PUT");
    assert.match(req.url, PATH);
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(req.json, {
      msgtype: "m.text",
      body: "DOWN: shop / checkout (HTTP 503)\ncheckout answered 503 <Service Unavailable>\nsince 12:00 & counting\nhttps://upbeat.example.com/monitors/shop.checkout",
      format: "org.matrix.custom.html",
      formatted_body:
        "<b>DOWN: shop / checkout (HTTP 503)</b><br>checkout answered 503 &lt;Service Unavailable&gt;<br>since 12:00 &amp; counting<br>" +
        '<a href="https://upbeat.example.com/monitors/shop.checkout">Open in Upbeat</a>',
    });
  });

  test("a retry reuses the transaction id; another transition gets a new one", () =>
    withReceiver(async (s) => {
      await matrixNotifier.send(settings(s.url), sampleNotification(), channelCtx());
      await matrixNotifier.send(settings(s.url), sampleNotification(), channelCtx());
      await matrixNotifier.send(settings(s.url), resolvedNotification(), channelCtx());
      const ids = s.requests.map((r) => PATH.exec(r.url)?.[1]);
      assert.ok(ids[0]);
      assert.equal(ids[1], ids[0]);
      assert.notEqual(ids[2], ids[0]);
    }));

  test("a 429 without Retry-After waits the body's retry_after_ms", async () => {
    const body = '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":1500}';
    const r = await withReceiver({ status: 429, body }, (s) => matrixNotifier.send(settings(s.url), sampleNotification(), channelCtx()));
    assert.ok(!r.ok && r.retryable);
    assert.equal(!r.ok && r.retryAfterMs, 1500);
  });

  deliveryFailureTests(matrixNotifier, settings, { path: "", hidden: [TOKEN], finalStatuses: [403] });
});
