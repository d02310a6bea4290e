/** Searching monitors over the API: filters, sorting, paging, the group tree, and 10,000 monitors. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiRig, startApi } from "../../test/helpers/api-app.ts";

type Listing = { total: number; offset: number; limit: number; nextOffset: number | null; monitors: Array<{ id: string; status: string; labels: Record<string, string> }> };

const FILE = `
groups:
  - name: Customer ABC
    labels: { team: db, env: prod }
    groups:
      - name: Production
        monitors:
          - { name: api, url: "http://127.0.0.1:9/api", paused: true }
          - { name: db, url: "tcp://127.0.0.1:9", paused: true, labels: { team: dba } }
      - name: Staging
        labels: { env: staging }
        monitors:
          - { name: api, url: "http://127.0.0.1:9/staging-api", paused: true }
  - name: Jobs
    monitors:
      - { name: backup, type: heartbeat, period: 1h }
      - { name: report, type: heartbeat, period: 1d }
monitors:
  - { id: dns-main, name: Main DNS, type: dns, query: example.com, resolver: "127.0.0.1:9", paused: true }
`;

describe("monitor search", () => {
  let rig: ApiRig;
  const list = async (query: string) => {
    const r = await rig.call("GET", `/api/v1/monitors?${query}`);
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as Listing;
  };
  const ids = async (query: string) => (await list(query)).monitors.map((m) => m.id);

  before(async () => {
    rig = await startApi(FILE);
    // One heartbeat down, one up: states to filter and sort by.
    rig.engine.observe({ monitorId: "jobs/backup", at: Date.now(), health: "down", source: "heartbeat", region: "local", reason: "missed" });
    rig.engine.observe({ monitorId: "jobs/report", at: Date.now(), health: "up", source: "heartbeat", region: "local" });
  });
  after(() => rig.close());

  test("filters: group prefix by names or slugs, labels, state, kind, text", async () => {
    assert.deepEqual(await ids("group=Customer ABC"), ["customer-abc/production/api", "customer-abc/production/db", "customer-abc/staging/api"]);
    assert.deepEqual(await ids("group=customer-abc/production"), ["customer-abc/production/api", "customer-abc/production/db"]);
    assert.deepEqual(await ids("group=customer-abc/prod"), [], "a group prefix is whole names, not a text prefix");
    assert.deepEqual(await ids("label=team:db"), ["customer-abc/production/api", "customer-abc/staging/api"], "the lower value wins: db's team is dba");
    assert.deepEqual(await ids("label=team:db&label=env:prod"), ["customer-abc/production/api"], "several labels: all of them");
    assert.deepEqual(await ids("label=env"), ["customer-abc/production/api", "customer-abc/production/db", "customer-abc/staging/api"]);
    assert.deepEqual(await ids("state=down"), ["jobs/backup"]);
    assert.deepEqual(await ids("state=down,up"), ["jobs/backup", "jobs/report"]);
    assert.deepEqual(await ids("status=up"), ["jobs/report"], "status is the older name of state");
    assert.deepEqual(await ids("kind=heartbeat&kind=dns"), ["dns-main", "jobs/backup", "jobs/report"]);
    assert.deepEqual(await ids("q=STAGING"), ["customer-abc/staging/api"], "text matches id, name and target, any case");
    assert.deepEqual(await ids("q=main dns"), ["dns-main"]);
    assert.deepEqual(await ids("q=example.com"), ["dns-main"]);
    assert.deepEqual(await ids("source=native&q=nothing-like-this"), []);
    const bad = await rig.call("GET", "/api/v1/monitors?state=sleeping");
    assert.equal(bad.statusCode, 400);
    assert.match((bad.json() as { message: string }).message, /state/);
    assert.equal((await rig.call("GET", "/api/v1/monitors?colour=red")).statusCode, 400);
  });

  test("sorting and paging", async () => {
    assert.deepEqual((await ids("sort=status&kind=heartbeat")).slice(0, 1), ["jobs/backup"], "down first");
    assert.deepEqual(await ids("sort=name&order=desc&kind=heartbeat"), ["jobs/report", "jobs/backup"]);
    const page1 = await list("limit=2");
    const page2 = await list("limit=2&offset=2");
    const rest = await list(`limit=10&offset=${page2.nextOffset}`);
    assert.deepEqual([page1.total, page1.nextOffset, page2.nextOffset, rest.nextOffset], [6, 2, 4, null]);
    const all = [...page1.monitors, ...page2.monitors, ...rest.monitors].map((m) => m.id);
    assert.deepEqual(all, [...all].sort());
    assert.equal(new Set(all).size, 6);
    assert.equal((await rig.call("GET", "/api/v1/monitors?limit=0")).statusCode, 400);
  });

  test("the group tree counts monitors per state at every level", async () => {
    const r = (await rig.call("GET", "/api/v1/groups")).json() as { total: number; ungrouped: number; states: Record<string, number>; status: string; groups: Array<{ name: string; path: string; total: number; status: string; states: Record<string, number>; groups: Array<{ path: string; total: number; monitors: number }> }> };
    assert.deepEqual([r.total, r.ungrouped, r.status], [6, 1, "down"]);
    const [abc, jobs] = r.groups;
    assert.deepEqual([abc?.name, abc?.total, abc?.states, abc?.status], ["Customer ABC", 3, { paused: 3 }, "paused"]);
    assert.deepEqual(abc?.groups.map((g) => [g.path, g.total, g.monitors]), [["Customer ABC/Production", 2, 2], ["Customer ABC/Staging", 1, 1]]);
    assert.deepEqual([jobs?.path, jobs?.states, jobs?.status], ["Jobs", { down: 1, up: 1 }, "down"]);
    const filtered = (await rig.call("GET", "/api/v1/groups?kind=heartbeat")).json() as { total: number; groups: Array<{ name: string }> };
    assert.deepEqual([filtered.total, filtered.groups.map((g) => g.name)], [2, ["Jobs"]]);
  });

  test("heartbeats: last check-in, deadline and ping address", async () => {
    const r = (await rig.call("GET", "/api/v1/heartbeats")).json() as { total: number; heartbeats: Array<{ id: string; status: string; lastPingAt: number | null; deadlineAt: number | null; pingUrl: string; uuid: string; schedule: { period: string } }> };
    assert.equal(r.total, 2);
    const report = r.heartbeats.find((h) => h.id === "jobs/report");
    assert.equal(report?.pingUrl, `/ping/${report?.uuid}`);
    assert.deepEqual(report?.schedule, { period: "1d", grace: "1m" });
    assert.equal((await rig.call("GET", `/ping/${report?.uuid}`)).statusCode, 200);
    const after = ((await rig.call("GET", "/api/v1/heartbeats?q=report")).json() as typeof r).heartbeats[0];
    assert.ok(after?.lastPingAt && after.deadlineAt && after.deadlineAt > after.lastPingAt, JSON.stringify(after));
  });
});

describe("monitor search at 10,000 monitors", () => {
  let rig: ApiRig;
  before(async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `      - { name: m${i}, url: "http://127.0.0.1:9/${i}", paused: true, labels: { team: t${i % 10} } }`);
    rig = await startApi(`groups:\n  - name: big\n    monitors:\n${lines.join("\n")}\n`);
  });
  after(() => rig.close());

  test("a filtered, sorted page answers quickly", async () => {
    await rig.call("GET", "/api/v1/monitors?limit=1");
    const t0 = performance.now();
    const r = await rig.call("GET", "/api/v1/monitors?label=team:t3&q=m9&sort=name&order=desc&limit=50");
    const ms = performance.now() - t0;
    const body = r.json() as Listing;
    assert.equal(body.total, 111, "m9, m9x3, m9xx3 with team t3");
    assert.equal(body.monitors.length, 50);
    const t1 = performance.now();
    const tree = (await rig.call("GET", "/api/v1/groups")).json() as { total: number };
    const treeMs = performance.now() - t1;
    assert.equal(tree.total, 10_000);
    console.log(`# 10,000 monitors: filtered page ${ms.toFixed(0)} ms, group tree ${treeMs.toFixed(0)} ms`);
    // Generous bounds: the machine running the tests is shared; in-memory search takes a few ms.
    assert.ok(ms < 1000 && treeMs < 1000, `${ms} ms, ${treeMs} ms`);
  });
});
