/** Public status pages over the real app: HTML from seeded rollups and live states, JSON, feeds, history, custom domains. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertWellFormedXml, observe, seedDays, type StatusApp, statusApp } from "../../test/helpers/status-pages.ts";

const DAY = 86_400_000;
// The daily windows start twelve and thirteen hours from the run's time, so they are closed
// whatever the time of day the tests run.
const hour = (ahead: number) => String((new Date().getUTCHours() + ahead) % 24);
const CONFIG = `
maintenance:
  - { name: Nightly backup, matchers: ["group=shop"], cron: "0 ${hour(12)} * * *", duration: 30m, timezone: UTC, comment: "Slower checkout" }
  - { name: Elsewhere, matchers: ["monitor=private"], cron: "0 ${hour(13)} * * *", duration: 30m, timezone: UTC }
groups:
  - name: shop
    monitors:
      - { name: api, type: heartbeat, period: 1h }
      - { name: web, type: heartbeat, period: 1h }
monitors:
  - { id: private, name: Secret DB, type: heartbeat, period: 1h }
`;

const day = (ago: number) => new Date((Math.floor(Date.now() / DAY) - ago) * DAY).toISOString().slice(0, 10);

/** The `<li>` cells of one monitor's bar. */
function cells(html: string, id: string): string[] {
  const start = html.indexOf(`<li id="m-${encodeURIComponent(id)}">`);
  assert.ok(start >= 0, `monitor ${id} on the page`);
  const bar = /<ol class="bar" aria-hidden="true">(.*?)<\/ol>/.exec(html.slice(start))?.[1] ?? "";
  return bar.match(/<li [^>]*><\/li>/g) ?? [];
}

describe("public status page", () => {
  let s: StatusApp;
  const api = (method: "POST" | "PATCH", url: string, payload: unknown) => s.app.inject({ method, url: `/api/v1/status-pages${url}`, payload: payload as Record<string, unknown> });

  before(async () => {
    s = await statusApp({ config: CONFIG, extra: (app) => app.get("/", async () => "dashboard") });
    // Observed first: the engine writes today's rollup row in full, and the seeded one must be the last word.
    await observe(s.engine, "shop/api", "down");
    await observe(s.engine, "shop/web", "up");
    await seedDays(s.db.store, [
      ["shop/api", 0, 100, 0],
      ["shop/api", 1, 100, 50],
      ["shop/api", 2, 1000, 5],
      ["shop/api", 3, 100, 0, 10],
      ["shop/api", 89, 10, 0],
      ["shop/api", 95, 10, 10],
      ["shop/web", 0, 10, 0],
    ]);
    const page = await api("POST", "", { slug: "acme", title: "Acme <b>&", description: "Shop & API", domain: "status.acme.test", sections: [{ title: "Shop", description: "What customers use", monitors: [{ id: "shop/web", name: "Website" }], matchers: ["group=shop"] }], footer: "Call 555-0100" });
    assert.equal(page.statusCode, 201, page.body);
    const inc = (await api("POST", "/acme/incidents", { title: "Checkout <errors>", impact: "major", monitors: ["shop/api", "private"], state: "investigating", body: "Looking <script>alert(1)</script>" })).json() as { id: number };
    await api("POST", `/acme/incidents/${inc.id}/updates`, { state: "identified", body: "Bad deploy\nrolling back" });
    const old = (await api("POST", "/acme/incidents", { title: "Slow search", state: "investigating", body: "Slow" })).json() as { id: number };
    await api("POST", `/acme/incidents/${old.id}/updates`, { state: "resolved", body: "Fixed" });
    await api("POST", "/acme/incidents", { kind: "maintenance", title: "DB upgrade", startsAt: new Date(Date.now() + DAY).toISOString(), endsAt: new Date(Date.now() + DAY + 3_600_000).toISOString(), state: "maintenance", body: "Read-only" });
  });
  after(() => s.cleanup());

  test("the HTML shows the banner, sections, states, 90 bars from the rollups, incidents in order, maintenance and history", async () => {
    const r = await s.app.inject({ url: "/pages/acme" });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
    assert.match(String(r.headers["content-security-policy"]), /default-src 'none'/);
    const html = r.body;
    assert.ok(!/<script/i.test(html), "no script at all, and user text escaped");
    assert.match(html, /<title>Acme &lt;b&gt;&amp; status<\/title>/);
    assert.match(html, /<section class="banner b-down" role="status"><span class="ico" aria-hidden="true">✕<\/span><strong>Service Disruption<\/strong>/);
    assert.match(html, /<h2 id="h-s0">Shop<\/h2><p class="desc">What customers use<\/p>/);
    // Listed first under its public name, then the matched one; the private monitor is not shown.
    assert.ok(html.indexOf('id="m-shop%2Fweb"') < html.indexOf('id="m-shop%2Fapi"'));
    assert.match(html, /<span class="name">Website<\/span><span><span class="st st-up"><span class="ico" aria-hidden="true">✓<\/span>Operational<\/span>/);
    assert.match(html, /<span class="name">api<\/span><span><span class="st st-down"><span class="ico" aria-hidden="true">✕<\/span>Outage<\/span>/);
    assert.ok(!html.includes("Secret DB"));

    const bar = cells(html, "shop/api");
    assert.equal(bar.length, 90);
    assert.equal(bar[89], `<li class="d-up" title="${day(0)}: No downtime · 100% up"></li>`);
    assert.equal(bar[88], `<li class="d-down" title="${day(1)}: Outage · 50.00% up (50 of 100 checks failed)"></li>`);
    assert.equal(bar[87], `<li class="d-partial" title="${day(2)}: Partial outage · 99.50% up (5 of 1000 checks failed)"></li>`);
    assert.equal(bar[86], `<li class="d-degraded" title="${day(3)}: Degraded · 100% up · 10 degraded"></li>`);
    assert.equal(bar[85], `<li class="d-none" title="${day(4)}: No data"></li>`);
    assert.equal(bar[0], `<li class="d-up" title="${day(89)}: No downtime · 100% up"></li>`);
    assert.equal(bar.filter((c) => c.includes("d-none")).length, 85);
    assert.match(html, /95\.80% uptime<span class="sr"> over 90 days<\/span>/, "1255 of 1310 checks in the 90 days");

    const current = html.slice(html.indexOf('<h2 id="h-now">'), html.indexOf('<h2 id="h-mnt">'));
    assert.match(current, /<h3>Checkout &lt;errors&gt;<span class="tag i-major">Major<\/span><\/h3>/);
    assert.match(current, /Affects: api</, "only monitors the page shows");
    assert.ok(current.indexOf("Identified") < current.indexOf("Investigating"), "newest update first");
    assert.match(current, /<p class="body">Bad deploy\nrolling back<\/p>/);
    assert.match(current, /Looking &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.ok(!current.includes("Slow search"), "resolved ones are history");

    const mnt = html.slice(html.indexOf('<h2 id="h-mnt">'), html.indexOf('<h2 id="h-s0">'));
    assert.match(mnt, /DB upgrade<span class="tag i-maintenance">Maintenance<\/span>/);
    assert.match(mnt, /<h3>Nightly backup<span class="tag i-maintenance">Scheduled<\/span><\/h3>.*Slower checkout/);
    assert.ok(!mnt.includes("Elsewhere"), "a window over other monitors is not shown");

    const past = html.slice(html.indexOf('<h2 id="h-past">'));
    assert.match(past, /Slow search.*Resolved.*Fixed/);
    assert.match(html, /<footer><p>Call 555-0100<\/p><p><a href="\/pages\/acme\/history">Incident history<\/a><a href="\/pages\/acme\/feed.rss">RSS<\/a>/);
  });

  test("status.json has the same data, without staff names or private monitors", async () => {
    const r = await s.app.inject({ url: "/pages/acme/status.json" });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
    const j = r.json() as {
      page: { slug: string; title: string; description: string; url: string; updatedAt: string };
      status: { indicator: string; description: string };
      sections: Array<{ title: string; monitors: Array<{ id: string; name: string; status: string; statusText: string; uptime90dPct: number; days: Array<{ date: string; status: string; uptimePct: number | null; checks: number; failures: number }> }> }>;
      incidents: Array<{ title: string; impact: string; state: string; affects: Array<{ id: string; name: string }>; updates: Array<Record<string, unknown>> }>;
      maintenance: { announcements: Array<{ title: string; startsAt: string }>; windows: Array<{ name: string; open: boolean }> };
      history: Array<{ title: string; state: string; resolvedAt: string }>;
    };
    assert.deepEqual(j.page, { slug: "acme", title: "Acme <b>&", description: "Shop & API", url: "http://localhost:80/pages/acme", updatedAt: j.page.updatedAt });
    assert.match(j.page.updatedAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(j.status, { indicator: "down", description: "Service Disruption" });
    const mons = j.sections[0]!.monitors;
    assert.deepEqual(mons.map((m) => [m.id, m.name, m.status, m.statusText]), [["shop/web", "Website", "up", "Operational"], ["shop/api", "api", "down", "Outage"]]);
    const apiDays = mons[1]!.days;
    assert.equal(apiDays.length, 90);
    assert.deepEqual(apiDays[88], { date: day(1), status: "down", uptimePct: 50, checks: 100, failures: 50, degraded: 0 });
    assert.deepEqual(apiDays[0]?.date, day(89));
    assert.ok(Math.abs(mons[1]!.uptime90dPct - (100 * 1255) / 1310) < 1e-9);
    assert.deepEqual(j.incidents.map((i) => [i.title, i.impact, i.state, i.affects]), [["Checkout <errors>", "major", "identified", [{ id: "shop/api", name: "api" }]]]);
    assert.deepEqual(j.incidents[0]!.updates.map((u) => u.state), ["identified", "investigating"]);
    assert.ok(j.incidents[0]!.updates.every((u) => !("author" in u)));
    assert.deepEqual(j.maintenance.announcements.map((a) => a.title), ["DB upgrade"]);
    assert.deepEqual(j.maintenance.windows.map((w) => [w.name, w.open]), [["Nightly backup", false]]);
    assert.deepEqual(j.history.map((h) => [h.title, h.state]), [["Slow search", "resolved"]]);
    assert.ok(!r.body.includes("Secret DB") && !r.body.includes('"private"'));
  });

  test("RSS 2.0 and Atom 1.0 carry every update, escaped, with their content types", async () => {
    const rss = await s.app.inject({ url: "/pages/acme/feed.rss" });
    assert.equal(rss.headers["content-type"], "application/rss+xml; charset=utf-8");
    assertWellFormedXml(rss.body);
    assert.match(rss.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<rss version="2.0" xmlns:atom="http:\/\/www.w3.org\/2005\/Atom"><channel><title>Acme &lt;b&gt;&amp; status<\/title><link>http:\/\/localhost:80\/pages\/acme<\/link><description>Shop &amp; API<\/description>/);
    assert.match(rss.body, /<atom:link href="http:\/\/localhost:80\/pages\/acme\/feed.rss" rel="self" type="application\/rss\+xml"\/>/);
    const items = rss.body.match(/<item>[\s\S]*?<\/item>/g) ?? [];
    assert.equal(items.length, 5, `two + two + one updates: ${rss.body}`);
    assert.match(items[0]!, /<title>DB upgrade — Scheduled maintenance<\/title>/);
    for (const item of items) {
      assert.match(item, /<link>http:\/\/localhost:80\/pages\/acme#incident-\d+<\/link><guid isPermaLink="false">tag:upbeat,2024:status-page-\d+\/incident-\d+\/update-\d+<\/guid><pubDate>\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT<\/pubDate><description>/);
    }
    assert.ok(items.some((i) => i.includes("<title>Checkout &lt;errors&gt; — Identified</title>")));
    assert.ok(items.some((i) => i.includes("<description>Looking &lt;script&gt;alert(1)&lt;/script&gt;</description>")));

    const atom = await s.app.inject({ url: "/pages/acme/feed.atom" });
    assert.equal(atom.headers["content-type"], "application/atom+xml; charset=utf-8");
    assertWellFormedXml(atom.body);
    assert.match(atom.body, /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"><title>Acme &lt;b&gt;&amp; status<\/title><id>tag:upbeat,2024:status-page-\d+<\/id><updated>\d{4}-\d\d-\d\dT[\d:.]+Z<\/updated><link rel="self" type="application\/atom\+xml" href="http:\/\/localhost:80\/pages\/acme\/feed.atom"\/>/);
    assert.match(atom.body, /<author><name>Acme &lt;b&gt;&amp;<\/name><\/author>/);
    const entries = atom.body.match(/<entry>[\s\S]*?<\/entry>/g) ?? [];
    assert.equal(entries.length, 5);
    for (const e of entries) assert.match(e, /^<entry><title>[^<]+<\/title><id>tag:[^<]+<\/id><link rel="alternate" type="text\/html" href="[^"]+"\/><published>[^<]+<\/published><updated>[^<]+<\/updated><content type="text">[^<]*<\/content><\/entry>$/);
  });

  test("its custom domain serves it at / with its feeds; other hosts keep the dashboard and the API", async () => {
    const page = await s.app.inject({ url: "/", headers: { host: "Status.Acme.test:8080" } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Acme &lt;b&gt;&amp;<\/h1>/);
    assert.match(page.body, /<a href="\/history">Incident history<\/a><a href="\/feed.rss">RSS<\/a>/, "links stay on the domain");
    const feed = await s.app.inject({ url: "/feed.atom", headers: { host: "status.acme.test" } });
    assert.equal(feed.headers["content-type"], "application/atom+xml; charset=utf-8");
    assert.match(feed.body, /href="http:\/\/status.acme.test\/feed.atom"/);
    assert.equal((await s.app.inject({ url: "/status.json", headers: { host: "status.acme.test" } })).json().page.url, "http://status.acme.test");
    assert.equal((await s.app.inject({ url: "/history?page=1", headers: { host: "status.acme.test" } })).statusCode, 200);
    assert.equal((await s.app.inject({ url: "/", headers: { host: "localhost:8080" } })).body, "dashboard");
    assert.equal((await s.app.inject({ url: "/", headers: { host: "acme.test" } })).body, "dashboard");
    assert.equal((await s.app.inject({ url: "/api/v1/status-pages", headers: { host: "status.acme.test" } })).statusCode, 200, "the API still answers there");
    assert.equal((await s.app.inject({ url: "/nothing-here", headers: { host: "status.acme.test" } })).statusCode, 404);
  });

  test("history pages list resolved incidents, 20 a page, with links both ways", async () => {
    await api("POST", "", { slug: "hist", title: "Hist" });
    for (let i = 1; i <= 24; i++) await api("POST", "/hist/incidents", { title: `Incident ${i}`, state: "resolved", body: `Fixed ${i}` });
    await api("POST", "/hist/incidents", { title: "Still open", state: "investigating", body: "x" });
    const first = (await s.app.inject({ url: "/pages/hist/history" })).body;
    assert.equal(first.match(/<article /g)?.length, 20);
    assert.ok(first.indexOf("Incident 24") < first.indexOf("Incident 23"), "newest first");
    assert.ok(!first.includes("Still open"));
    assert.match(first, /<a href="\/pages\/hist\/history\?page=2" rel="next">Older incidents<\/a>/);
    const second = (await s.app.inject({ url: "/pages/hist/history?page=2" })).body;
    assert.equal(second.match(/<article /g)?.length, 4);
    assert.match(second, /<a href="\/pages\/hist\/history" rel="prev">Newer incidents<\/a>/);
    assert.ok(!second.includes('rel="next"'));
    assert.equal((await s.app.inject({ url: "/pages/hist/history?page=0" })).statusCode, 400);
    assert.match((await s.app.inject({ url: "/pages/hist" })).body, /No monitors|Past incidents/);
  });

  test("unknown pages are 404 in HTML and JSON", async () => {
    const html = await s.app.inject({ url: "/pages/nope" });
    assert.equal(html.statusCode, 404);
    assert.match(html.body, /There is no status page “nope”/);
    assert.deepEqual((await s.app.inject({ url: "/pages/nope/status.json" })).json(), { code: "UPBEAT_NOT_FOUND", message: 'no status page "nope"', statusCode: 404 });
    assert.equal((await s.app.inject({ url: "/pages/%3Cb%3E" })).body.includes("<b>"), false);
  });
});

describe("a status page of 500 monitors", () => {
  test("renders from three queries: incidents, their updates, and one batch of day rollups", async () => {
    const monitors = Array.from({ length: 500 }, (_, i) => `      - { name: m${i}, type: heartbeat, period: 1h }`).join("\n");
    const s = await statusApp({ config: `groups:\n  - name: fleet\n    monitors:\n${monitors}\n` });
    try {
      await seedDays(s.db.store, Array.from({ length: 500 }, (_, i): [string, number, number, number] => [`fleet/m${i}`, i % 90, 10, i % 2]));
      await s.app.inject({ method: "POST", url: "/api/v1/status-pages", payload: { slug: "fleet", title: "Fleet", sections: [{ title: "All", matchers: ["group=fleet"] }] } });
      await s.app.inject({ method: "POST", url: "/api/v1/status-pages/fleet/incidents", payload: { title: "T", state: "investigating", body: "b" } });
      const before = s.queries.count;
      const r = await s.app.inject({ url: "/pages/fleet" });
      assert.equal(r.statusCode, 200);
      assert.equal(r.body.match(/<li id="m-/g)?.length, 500);
      assert.equal(r.body.match(/class="d-down"/g)?.length, 250);
      assert.equal(s.queries.count - before, 3);
    } finally {
      await s.cleanup();
    }
  });
});
