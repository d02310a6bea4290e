/** The PagerDuty channel against a real Events API v2 stand-in on loopback: trigger, resolve, severities. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliveryFailureTests, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { pagerDutyNotifier } from "./pagerduty.ts";

const KEY = "R0UT1NGK3Y0123456789abcdefABCDEF";
const settings = (apiUrl: string) => ({ routingKey: KEY, apiUrl });

describe("pagerduty notifier", () => {
  test("triggers, then resolves with the same dedup_key", () =>
    withReceiver({ status: 202 }, async (s) => {
      const opened = sampleNotification({ monitors: sampleNotification().monitors.map((m) => ({ ...m, group: ["shop", "web"] })) });
      assert.deepEqual(await pagerDutyNotifier.send(settings(s.url), opened, channelCtx()), { ok: true });
      assert.deepEqual(await pagerDutyNotifier.send(settings(s.url), resolvedNotification(), channelCtx()), { ok: true });
      assert.equal(s.requests.length, 2);
      const [trigger, resolve] = s.requests;
      for (const req of [trigger!, resolve!]) {
        assert.equal(req.method, "POST");
        assert.equal(req.url, "/v2/enqueue");
        assert.equal(req.headers["content-type"], "application/json");
      }
      assert.deepEqual(JSON.parse(trigger!.body), {
        routing_key: KEY,
        event_action: "trigger",
        dedup_key: "shop.checkout#7",
        payload: {
          summary: "DOWN: shop / checkout (HTTP 503)",
          source: "https://shop.example.com/checkout",
          severity: "critical",
          timestamp: "2024-05-01T12:00:00.000Z",
          component: "checkout",
          group: "shop / web",
          custom_details: {
            kind: "incident.opened",
            text: "checkout is down: HTTP 503\nsince 12:00 UTC",
            monitors: [{ id: "shop.checkout", name: "checkout", status: "down", target: "https://shop.example.com/checkout", cause: "HTTP 503", incident: 7, labels: { team: "payments" } }],
          },
        },
        client: "Upbeat",
        client_url: "https://upbeat.example.com/monitors/shop.checkout",
        links: [{ href: "https://upbeat.example.com/monitors/shop.checkout", text: "Open in Upbeat" }],
      });
      assert.deepEqual(JSON.parse(resolve!.body), { routing_key: KEY, event_action: "resolve", dedup_key: "shop.checkout#7" });
    }));

  test("maps severities, clips the summary to 1024 characters, takes a fixed source", () =>
    withReceiver({ status: 202 }, async (s) => {
      await pagerDutyNotifier.send({ ...settings(s.url), source: "edge-1" }, sampleNotification({ kind: "reminder", severity: "warning", title: "x".repeat(2000) }), channelCtx());
      await pagerDutyNotifier.send(settings(s.url), sampleNotification({ kind: "flapping", severity: "info", url: undefined }), channelCtx());
      const [a, b] = s.requests.map((r) => JSON.parse(r.body) as { event_action: string; payload: Record<string, string>; links?: unknown });
      assert.equal(a!.event_action, "trigger");
      assert.equal(a!.payload.severity, "warning");
      assert.equal(a!.payload.source, "edge-1");
      assert.equal(a!.payload.summary!.length, 1024);
      assert.equal(b!.event_action, "trigger");
      assert.equal(b!.payload.severity, "info");
      assert.equal(b!.links, undefined);
    }));

  test("a digest is not sent", () =>
    withReceiver({ status: 202 }, async (s) => {
      const r = await pagerDutyNotifier.send(settings(s.url), sampleNotification({ kind: "digest", severity: "info" }), channelCtx());
      assert.equal(r.ok, true);
      assert.equal(s.requests.length, 0);
    }));

  deliveryFailureTests(pagerDutyNotifier, settings, { path: "", hidden: [KEY] });
});
