/** The ntfy channel against a real server stand-in on loopback: text body, headers, authentication. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deliverOne, deliveryFailureTests, resolvedNotification, sampleNotification } from "../../test/helpers/notifications.ts";
import { ntfyNotifier } from "./ntfy.ts";

const TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2";
const TOPIC = "upbeat-alerts";
const settings = (serverUrl: string) => ({ serverUrl, topic: TOPIC, token: TOKEN });

describe("ntfy notifier", () => {
  test("posts the text to the topic with Title, Priority, Tags, Click and a bearer token", async () => {
    const req = await deliverOne(ntfyNotifier, settings);
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/upbeat-alerts");
    assert.equal(req.body, "checkout is down: HTTP 503\nsince 12:00 UTC");
    assert.equal(req.headers.title, "DOWN: shop / checkout (HTTP 503)");
    assert.equal(req.headers.priority, "5");
    assert.equal(req.headers.tags, "rotating_light");
    assert.equal(req.headers.click, "https://upbeat.example.com/monitors/shop.checkout");
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  });

  test("a recovery is tagged white_check_mark at default priority; extra tags follow", async () => {
    const urgentShop = (serverUrl: string) => ({ ...settings(serverUrl), priority: 5, tags: ["shop"] });
    const req = await deliverOne(ntfyNotifier, urgentShop, resolvedNotification({ url: undefined }));
    assert.equal(req.headers.priority, "3");
    assert.equal(req.headers.tags, "white_check_mark,shop");
    assert.equal(req.headers.click, undefined);
  });

  test("basic authentication, and non-ASCII titles as RFC 2047 encoded words", async () => {
    const basic = (base: string) => ({ serverUrl: `${base}/`, topic: TOPIC, username: "phil", password: "s3cr3t" });
    const req = await deliverOne(ntfyNotifier, basic, sampleNotification({ severity: "warning", title: "DEGRADED: café — checkout" }));
    assert.equal(req.url, "/upbeat-alerts");
    assert.equal(req.headers.authorization, `Basic ${Buffer.from("phil:s3cr3t").toString("base64")}`);
    assert.equal(req.headers.title, `=?UTF-8?B?${Buffer.from("DEGRADED: café — checkout").toString("base64")}?=`);
    assert.equal(req.headers.priority, "4");
    assert.equal(req.headers.tags, "warning");
  });

  test("clips the body to 4096 bytes", async () => {
    const req = await deliverOne(ntfyNotifier, settings, sampleNotification({ text: "é".repeat(5000) }));
    assert.ok(Buffer.byteLength(req.body) <= 4096);
  });

  deliveryFailureTests(ntfyNotifier, settings, { path: "", hidden: [TOKEN, TOPIC], finalStatuses: [403] });
});
