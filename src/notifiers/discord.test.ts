/** The Discord channel against a real receiver on loopback: execute-webhook body, embed limits, mentions, rate limits. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { channelCtx, deliveryFailureTests, onlyRequest, resolvedNotification, sampleNotification, withReceiver } from "../../test/helpers/notifications.ts";
import { DISCORD_LIMITS, discordNotifier } from "./discord.ts";

interface Embed {
  title: string;
  description?: string;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
  color: number;
}

describe("discord channel", () => {
  test("POSTs one embed with colour, title, description, fields and timestamp; pings nobody", () =>
    withReceiver({ status: 204 }, async (s) => {
      assert.equal((await discordNotifier.send({ url: `${s.url}/api/webhooks/1/SECRET`, username: "Upbeat" }, sampleNotification(), channelCtx())).ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/api/webhooks/1/SECRET");
      assert.equal(req.headers["content-type"], "application/json");
      assert.deepEqual(req.json, {
        username: "Upbeat",
        embeds: [
          {
            title: "DOWN: shop / checkout (HTTP 503)",
            description: "checkout is down: HTTP 503\nsince 12:00 UTC",
            url: "https://upbeat.example.com/monitors/shop.checkout",
            color: 0xed4245,
            fields: [{ name: "shop / checkout", value: "DOWN · HTTP 503\nhttps://shop.example.com/checkout", inline: false }],
            footer: { text: "Upbeat" },
            timestamp: "2024-05-01T12:00:00.000Z",
          },
        ],
        allowed_mentions: { parse: [] },
      });
    }));

  test("the mention is content for critical and warning only; recoveries are green and silent", () =>
    withReceiver({ status: 204 }, async (s) => {
      const settings = { url: s.url, mention: "@here", avatarUrl: "https://x/a.png" };
      await discordNotifier.send(settings, sampleNotification(), channelCtx());
      await discordNotifier.send(settings, resolvedNotification(), channelCtx());
      const [down, up] = s.requests.map((r) => JSON.parse(r.body) as Record<string, unknown> & { embeds: Embed[] });
      assert.equal(down?.content, "@here");
      assert.equal(down?.avatar_url, "https://x/a.png");
      assert.deepEqual(down?.allowed_mentions, { parse: ["everyone", "roles", "users"] });
      assert.equal(up?.content, undefined);
      assert.deepEqual(up?.allowed_mentions, { parse: [] });
      assert.equal(up?.embeds[0]?.color, 0x57f287);
    }));

  test("long titles and texts and many monitors stay inside Discord's limits", () =>
    withReceiver({ status: 204 }, async (s) => {
      const monitor = sampleNotification().monitors[0];
      assert.ok(monitor);
      const monitors = Array.from({ length: 30 }, (_, i) => ({ ...monitor, id: `m${i}`, name: `m${i}`, cause: "x".repeat(2000) }));
      await discordNotifier.send({ url: s.url }, sampleNotification({ title: "T".repeat(300), text: "d".repeat(5000), monitors }), channelCtx());
      const embed = (onlyRequest(s).json as { embeds: Embed[] }).embeds[0];
      assert.ok(embed);
      assert.equal(embed.title.length, DISCORD_LIMITS.title);
      assert.ok(embed.title.endsWith("…"));
      assert.equal(embed.fields.length, 25);
      assert.deepEqual(embed.fields[24], { name: "More", value: "and 6 more monitors", inline: false });
      assert.ok(embed.fields.every((f) => f.value.length <= DISCORD_LIMITS.fieldValue && f.name.length <= DISCORD_LIMITS.fieldName));
      assert.ok(embed.fields.slice(0, 24).every((f) => f.value.startsWith("DOWN · xxx") && f.value.endsWith("…")), "each monitor gets a share");
      const total = embed.title.length + (embed.description?.length ?? 0) + embed.footer.text.length + embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
      assert.ok(total <= DISCORD_LIMITS.total, `total ${total}`);
      assert.ok((embed.description?.length ?? 0) <= DISCORD_LIMITS.description);
    }));

  test("a 429 takes the exact wait from Discord's JSON body", async () => {
    const json = { "Content-Type": "application/json" };
    const send = (s: { url: string }) => discordNotifier.send({ url: s.url }, sampleNotification(), channelCtx());
    const both = await withReceiver({ status: 429, headers: { ...json, "Retry-After": "2" }, body: '{"message":"You are being rate limited.","retry_after":1.5,"global":false}' }, send);
    assert.ok(!both.ok && both.retryable);
    assert.equal(!both.ok && both.retryAfterMs, 2000, "the larger of header and body");
    const bodyOnly = await withReceiver({ status: 429, headers: json, body: '{"retry_after":0.25}' }, send);
    assert.equal(!bodyOnly.ok && bodyOnly.retryAfterMs, 250);
  });

  deliveryFailureTests(discordNotifier, (url) => ({ url }));
});
