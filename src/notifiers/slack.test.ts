/** The Slack channel against a real receiver on loopback: attachment message, Cupcake's and Lovebeat's exact bodies. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  channelCtx,
  cupcakeNotification,
  deliveryFailureTests,
  lovebeatNotification,
  onlyRequest,
  resolvedNotification,
  sampleNotification,
  withReceiver,
} from "../../test/helpers/notifications.ts";
import { slackNotifier } from "./slack.ts";

const ICON = "https://cdn.rawgit.com/boivie/lovebeat/a440f41aaf74be2e14b14a8f470456b71fc3e64e/docs/lovebeat-48.png";

describe("slack channel", () => {
  test("POSTs text plus a danger attachment with a field per monitor", () =>
    withReceiver({ headers: { "Content-Type": "text/plain" }, body: "ok" }, async (s) => {
      const settings = { url: `${s.url}/services/T0/B0/SECRET`, channel: "#ops", username: "Upbeat", iconUrl: "https://x/i.png" };
      const n = sampleNotification({ text: "checkout <b> & co" });
      assert.equal((await slackNotifier.send(settings, n, channelCtx())).ok, true);
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.url, "/services/T0/B0/SECRET");
      assert.equal(req.headers["content-type"], "application/json");
      assert.deepEqual(req.json, {
        channel: "#ops",
        username: "Upbeat",
        icon_url: "https://x/i.png",
        text: "DOWN: shop / checkout (HTTP 503)",
        attachments: [
          {
            fallback: "DOWN: shop / checkout (HTTP 503)",
            color: "danger",
            title: "DOWN: shop / checkout (HTTP 503)",
            title_link: "https://upbeat.example.com/monitors/shop.checkout",
            text: "checkout &lt;b&gt; &amp; co",
            fields: [{ title: "shop / checkout", value: "DOWN · HTTP 503\nhttps://shop.example.com/checkout", short: false }],
            footer: "Upbeat",
            ts: 1714564800,
          },
        ],
      });
    }));

  test("a recovery is good, a warning is warning; no overrides when none are set", () =>
    withReceiver(async (s) => {
      await slackNotifier.send({ url: s.url }, resolvedNotification(), channelCtx());
      await slackNotifier.send({ url: s.url }, sampleNotification({ severity: "warning", url: undefined }), channelCtx());
      const [up, warn] = s.requests.map((r) => JSON.parse(r.body) as { attachments: Record<string, unknown>[] } & Record<string, unknown>);
      assert.equal(up?.attachments[0]?.color, "good");
      assert.deepEqual(up?.attachments[0]?.fields, [{ title: "shop / checkout", value: "UP · down for 5 minutes\nhttps://shop.example.com/checkout", short: false }]);
      assert.equal(warn?.attachments[0]?.color, "warning");
      assert.equal(warn?.attachments[0]?.title_link, undefined);
      assert.deepEqual(Object.keys(up ?? {}), ["text", "attachments"]);
    }));

  test("Cupcake alert: exactly {\"text\": message, \"link_names\": 1} as Python writes it (compat §1.6)", () =>
    withReceiver(async (s) => {
      const message = "customer ABC production external web http://127.0.0.1:1/ok expected ^[2]\\d\\d$, actual: 503";
      await slackNotifier.send({ url: `${s.url}/hook`, channel: "#ignored" }, cupcakeNotification(message), channelCtx());
      await slackNotifier.send({ url: `${s.url}/hook` }, cupcakeNotification("web now OK after 1 minute, 2 seconds – é\n"), channelCtx());
      const [down, up] = s.requests;
      assert.equal(down?.method, "POST");
      assert.equal(down?.headers["content-type"], "application/json");
      assert.equal(down?.body, '{"text": "customer ABC production external web http://127.0.0.1:1/ok expected ^[2]\\\\d\\\\d$, actual: 503", "link_names": 1}');
      assert.equal(up?.body, '{"text": "web now OK after 1 minute, 2 seconds \\u2013 \\u00e9\\n", "link_names": 1}');
      assert.deepEqual(JSON.parse(up?.body ?? ""), { text: "web now OK after 1 minute, 2 seconds – é\n", link_names: 1 });
    }));

  test("Lovebeat alarm in ERROR: Lovebeat's exact payload and headers (compat §2.9)", () =>
    withReceiver(async (s) => {
      await slackNotifier.send({ url: `${s.url}/slack`, channel: "#ops" }, lovebeatNotification("ok", "error"), channelCtx());
      const req = onlyRequest(s);
      assert.equal(req.method, "POST");
      assert.equal(req.headers["content-type"], "application/json");
      assert.equal(req.headers.accept, "application/json");
      assert.equal(req.headers["user-agent"], "Lovebeat");
      assert.equal(req.headers["x-lovebeat"], undefined);
      assert.equal(
        req.body,
        `{"username":"Lovebeat","icon_url":"${ICON}","channel":"#ops","attachments":[{"fallback":"lovebeat: server-alpha changed from OK to ERROR",` +
          `"color":"danger","title":"\\u003chttp://lb/alarms/server-alpha|server-alpha\\u003e is in ERROR","text":"Changed from OK to ERROR.",` +
          `"fields":[{"title":"Alarm","value":"server-alpha","short":true},{"title":"Incident Number","value":"#2","short":true},` +
          `{"title":"Failed Service(s)","value":"app.alpha.health, app.alpha.db","short":false}]}]}`,
      );
      const body = req.json as { attachments: { title: string }[] };
      assert.equal(body.attachments[0]?.title, "<http://lb/alarms/server-alpha|server-alpha> is in ERROR");
    }));

  test("Lovebeat alarm recovered (and new→ok): good, has recovered, no failed services", () =>
    withReceiver(async (s) => {
      await slackNotifier.send({ url: s.url, channel: "#ops" }, lovebeatNotification("error", "ok", []), channelCtx());
      await slackNotifier.send({ url: s.url, channel: "#ops" }, lovebeatNotification("new", "ok", []), channelCtx());
      const [up, fresh] = s.requests.map((r) => JSON.parse(r.body) as { attachments: Record<string, unknown>[] });
      assert.deepEqual(up?.attachments, [
        {
          fallback: "lovebeat: server-alpha changed from ERROR to OK",
          color: "good",
          title: "<http://lb/alarms/server-alpha|server-alpha> has recovered",
          text: "Changed from ERROR to OK.",
          fields: [
            { title: "Alarm", value: "server-alpha", short: true },
            { title: "Incident Number", value: "#2", short: true },
          ],
        },
      ]);
      assert.equal(fresh?.attachments[0]?.text, "Changed from NEW to OK.");
      assert.equal(fresh?.attachments[0]?.color, "good");
    }));

  deliveryFailureTests(slackNotifier, (url) => ({ url }));
});
