/** Badges over the real app: SVG and shields.io JSON for public monitors, values from rollups and live state, 404 for the rest. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertWellFormedXml, observe, seedDays, type StatusApp, statusApp } from "../../test/helpers/status-pages.ts";
import { textWidth } from "../status-pages/badges.ts";

const CONFIG = `
groups:
  - name: shop
    monitors:
      - { name: api, type: heartbeat, period: 1h }
monitors:
  - { id: cron, name: Nightly job, type: heartbeat, period: 1h, labels: { public: "true" } }
  - { id: secret, name: Secret DB, type: heartbeat, period: 1h }
`;

describe("badges", () => {
  let s: StatusApp;
  before(async () => {
    s = await statusApp({ config: CONFIG });
    await observe(s.engine, "shop/api", "up");
    await observe(s.engine, "cron", "down");
    await observe(s.engine, "secret", "up");
    // 30 days of 100 checks for shop/api: 3 failures in all → 99.90 % over 30 days; 4 more a month before.
    await seedDays(s.db.store, [["shop/api", 0, 100, 0], ...Array.from({ length: 29 }, (_, i): [string, number, number, number] => ["shop/api", i + 1, 100, i < 3 ? 1 : 0]), ["shop/api", 40, 100, 4]]);
    await s.app.inject({ method: "POST", url: "/api/v1/status-pages", payload: { slug: "acme", title: "Acme", sections: [{ title: "Shop", matchers: ["group=shop"] }] } });
  });
  after(() => s.cleanup());

  const get = (url: string) => s.app.inject({ url });

  test("status SVG of a monitor on a public page: well-formed, sized for its text, cached briefly", async () => {
    const r = await get("/badge/shop%2Fapi/status.svg");
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers["content-type"], "image/svg+xml; charset=utf-8");
    assert.equal(r.headers["cache-control"], "public, max-age=30");
    assertWellFormedXml(r.body);
    const labelW = Math.ceil(textWidth("status") + 10);
    const msgW = Math.ceil(textWidth("up") + 10);
    assert.match(r.body, new RegExp(`^<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + msgW}" height="20" role="img" aria-label="status: up"><title>status: up</title>`));
    assert.match(r.body, new RegExp(`<rect width="${labelW}" height="20" fill="#555"/><rect x="${labelW}" width="${msgW}" height="20" fill="#4c1"/>`));
    assert.match(r.body, /<text x="[\d.]+" y="14" fill="#fff" textLength="[\d.]+">status<\/text>/, "white on the grey label");
    assert.match(r.body, /<text x="[\d.]+" y="14" fill="#333" textLength="[\d.]+">up<\/text>/, "dark text reads better on bright green");
  });

  test("uptime and latency come from the rollups for the period asked", async () => {
    const up30 = await get("/badge/shop%2Fapi/uptime/shields.json");
    assert.deepEqual(up30.json(), { schemaVersion: 1, label: "uptime 30d", message: "99.90%", color: "brightgreen" });
    const up90 = await get("/badge/shop%2Fapi/uptime/shields.json?period=90d");
    assert.deepEqual(up90.json(), { schemaVersion: 1, label: "uptime 90d", message: "99.77%", color: "green" }, "7 of 3100 checks failed");
    const svg = (await get("/badge/shop%2Fapi/uptime.svg?period=90d")).body;
    assert.match(svg, /aria-label="uptime 90d: 99.77%"/);
    assert.match(svg, /fill="#97ca00"/);
    const lat = await get("/badge/shop%2Fapi/latency/shields.json?period=30d");
    assert.deepEqual(lat.json(), { schemaVersion: 1, label: "latency 30d", message: "100 ms", color: "brightgreen" });
  });

  test("label, colours and style can be set; bad ones are refused", async () => {
    const j = await get("/badge/shop%2Fapi/status/shields.json?label=Shop%20API&color=ff69b4");
    assert.deepEqual(j.json(), { schemaVersion: 1, label: "Shop API", message: "up", color: "ff69b4" });
    const svg = (await get("/badge/shop%2Fapi/status.svg?label=%3Cb%3E%26&color=blue&labelColor=333&style=flat-square")).body;
    assertWellFormedXml(svg);
    assert.match(svg, /aria-label="&lt;b&gt;&amp;: up"/);
    assert.match(svg, /fill="#007ec6"/);
    assert.match(svg, /<rect width="\d+" height="20" fill="#333"\/>/);
    assert.ok(!svg.includes("rx=") && !svg.includes("linearGradient"), "flat-square has square corners and no gloss");
    for (const q of ["color=%23fff", "color=url(x)", "style=3d", "period=1y", "label="]) {
      const r = await get(`/badge/shop%2Fapi/status.svg?${q}`);
      assert.equal(r.statusCode, 400, q);
      assert.equal((r.json() as { code: string }).code, "UPBEAT_BAD_REQUEST");
    }
    assert.equal((await get("/badge/shop%2Fapi/speed.svg")).statusCode, 400);
  });

  test("a monitor labelled public=true has badges without being on a page", async () => {
    assert.deepEqual((await get("/badge/cron/status/shields.json")).json(), { schemaVersion: 1, label: "status", message: "down", color: "red" });
    assert.deepEqual((await get("/badge/cron/uptime/shields.json")).json(), { schemaVersion: 1, label: "uptime 30d", message: "0.00%", color: "red" }, "its one check today was down");
    assert.deepEqual((await get("/badge/cron/latency/shields.json")).json(), { schemaVersion: 1, label: "latency 24h", message: "no data", color: "lightgrey" }, "a failure has no latency");
  });

  test("private and unknown monitors are the same 404, naming nothing", async () => {
    const secret = await get("/badge/secret/status.svg");
    const unknown = await get("/badge/nothing/status.svg");
    assert.equal(secret.statusCode, 404);
    assert.deepEqual(secret.json(), { code: "UPBEAT_NOT_FOUND", message: 'no public monitor "secret"', statusCode: 404 });
    assert.deepEqual(unknown.json(), { code: "UPBEAT_NOT_FOUND", message: 'no public monitor "nothing"', statusCode: 404 });
    assert.ok(!secret.body.includes("Secret DB"));
    assert.equal((await get("/badge/secret/uptime/shields.json")).statusCode, 404);
  });

  test("a badge follows the page: taking the monitor off the page takes its badge away", async () => {
    assert.equal((await get("/badge/shop%2Fapi/status.svg")).statusCode, 200);
    await s.app.inject({ method: "PATCH", url: "/api/v1/status-pages/acme", payload: { sections: [] } });
    assert.equal((await get("/badge/shop%2Fapi/status.svg")).statusCode, 404);
    await s.app.inject({ method: "PATCH", url: "/api/v1/status-pages/acme", payload: { sections: [{ title: "Shop", monitors: ["shop/api"] }] } });
    assert.equal((await get("/badge/shop%2Fapi/status.svg")).statusCode, 200);
  });
});
