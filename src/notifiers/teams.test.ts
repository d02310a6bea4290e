/** The Teams channel against a real receiver on loopback: Adaptive Card envelope, connectors' 200-with-error answers. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliveryFailureTests, onlyRequest, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { teamsNotifier } from "./teams.ts";

describe("teams channel", () => {
  test("POSTs an Adaptive Card 1.4 in the message envelope", () =>
    withReceiver({ status: 202 }, async (s) => {
      assert.equal((await teamsNotifier.send({ url: `${s.url}/workflows/abc/triggers/manual/paths/invoke?sig=SECRET` }, sampleNotification(), channelCtx())).ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/workflows/abc/triggers/manual/paths/invoke?sig=SECRET");
      assert.equal(req.headers["content-type"], "application/json");
      assert.equal(
        req.body,
        '{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{' +
          '"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","msteams":{"width":"Full"},"body":[' +
          '{"type":"Container","style":"attention","bleed":true,"items":[{"type":"TextBlock","text":"DOWN: shop / checkout (HTTP 503)","size":"Medium","weight":"Bolder","wrap":true}]},' +
          '{"type":"TextBlock","text":"checkout is down: HTTP 503\\n\\nsince 12:00 UTC","wrap":true},' +
          '{"type":"FactSet","facts":[{"title":"shop / checkout","value":"DOWN · HTTP 503 · https://shop.example.com/checkout"}]},' +
          '{"type":"TextBlock","text":"{{DATE(2024-05-01T12:00:00Z,SHORT)}} {{TIME(2024-05-01T12:00:00Z)}}","isSubtle":true,"size":"Small","wrap":true}],' +
          '"actions":[{"type":"Action.OpenUrl","title":"Open in Upbeat","url":"https://upbeat.example.com/monitors/shop.checkout"}]}}]}',
      );
    }));

  test("a recovery is good; no link action without a URL", () =>
    withReceiver({ body: "1" }, async (s) => {
      assert.equal((await teamsNotifier.send({ url: s.url }, resolvedNotification({ url: undefined }), channelCtx())).ok, true);
      const card = (onlyRequest(s).json as { attachments: { content: { body: { style?: string }[]; actions?: unknown } }[] }).attachments[0]?.content;
      assert.equal(card?.body[0]?.style, "good");
      assert.equal(card?.actions, undefined);
    }));

  test("a connector's 200 carrying a delivery failure is a failure: 429 retryable, 400 final", async () => {
    const text = (code: number) => `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${code} with ContextId tcid=0,server=x.`;
    for (const [code, retryable] of [
      [429, true],
      [400, false],
    ] as const) {
      await withReceiver({ headers: { "Content-Type": "text/plain; charset=utf-8" }, body: text(code) }, async (s) => {
        const r = await teamsNotifier.send({ url: `${s.url}/webhookb2/SECRET` }, sampleNotification(), channelCtx());
        assert.deepEqual(r, { ok: false, retryable, error: `Teams: ${text(code)}` });
      });
    }
  });

  deliveryFailureTests(teamsNotifier, (url) => ({ url }));
});
