/** The Opsgenie channel against a real Alert API v2 stand-in on loopback: create by alias, close by alias. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliveryFailureTests, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { opsgenieNotifier } from "./opsgenie.ts";

const KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889";
const settings = (apiUrl: string) => ({ apiKey: KEY, apiUrl });

describe("opsgenie notifier", () => {
  test("creates an alert aliased by dedupKey, then closes it by alias", () =>
    withReceiver({ status: 202 }, async (s) => {
      // ":", "/" and "#" in the key must be escaped in the close URL's path.
      const dedupKey = "upbeat:shop/checkout#7";
      assert.deepEqual(await opsgenieNotifier.send(settings(s.url), sampleNotification({ dedupKey }), channelCtx()), { ok: true });
      assert.deepEqual(await opsgenieNotifier.send(settings(s.url), resolvedNotification({ dedupKey }), channelCtx()), { ok: true });
      assert.equal(s.requests.length, 2);
      const [create, close] = s.requests;
      for (const req of [create!, close!]) {
        assert.equal(req.method, "POST");
        assert.equal(req.headers.authorization, `GenieKey ${KEY}`);
        assert.equal(req.headers["content-type"], "application/json");
      }
      assert.equal(create!.url, "/v2/alerts");
      assert.deepEqual(JSON.parse(create!.body), {
        message: "DOWN: shop / checkout (HTTP 503)",
        alias: "upbeat:shop/checkout#7",
        description: "checkout is down: HTTP 503\nsince 12:00 UTC\n\nhttps://upbeat.example.com/monitors/shop.checkout",
        priority: "P1",
        tags: ["upbeat"],
        details: {
          kind: "incident.opened",
          severity: "critical",
          monitor: "checkout",
          group: "shop",
          target: "https://shop.example.com/checkout",
          cause: "HTTP 503",
          incident: "7",
          url: "https://upbeat.example.com/monitors/shop.checkout",
        },
        entity: "checkout",
        source: "Upbeat",
      });
      assert.equal(close!.url, "/v2/alerts/upbeat%3Ashop%2Fcheckout%237/close?identifierType=alias");
      assert.deepEqual(JSON.parse(close!.body), { source: "Upbeat", note: "checkout is up again after 5 minutes" });
    }));

  test("takes the priority and tags settings, clips the message to 130 characters", () =>
    withReceiver({ status: 202 }, async (s) => {
      await opsgenieNotifier.send({ ...settings(s.url), priority: "P2", tags: ["shop", "prod"] }, sampleNotification({ title: "y".repeat(300) }), channelCtx());
      const body = JSON.parse(s.requests[0]!.body) as Record<string, unknown>;
      assert.equal(body.priority, "P2");
      assert.deepEqual(body.tags, ["shop", "prod"]);
      assert.equal(String(body.message).length, 130);
    }));

  test("maps severities to priorities; a digest is not sent", () =>
    withReceiver({ status: 202 }, async (s) => {
      await opsgenieNotifier.send(settings(s.url), sampleNotification({ kind: "reminder", severity: "warning" }), channelCtx());
      await opsgenieNotifier.send(settings(s.url), sampleNotification({ kind: "flapping", severity: "info" }), channelCtx());
      assert.deepEqual(
        s.requests.map((r) => (JSON.parse(r.body) as { priority: string }).priority),
        ["P3", "P5"],
      );
      assert.equal((await opsgenieNotifier.send(settings(s.url), sampleNotification({ kind: "digest" }), channelCtx())).ok, true);
      assert.equal(s.requests.length, 2);
    }));

  deliveryFailureTests(opsgenieNotifier, settings, { path: "", hidden: [KEY], finalStatuses: [422, 401] });
});
