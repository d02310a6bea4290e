/** Bulk operations: many monitors by id or by filter in one request, one result per monitor. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiRig, type Json, startApi } from "../../test/helpers/api-app.ts";

type Bulk = { action: string; matched: number; succeeded: number; failed: number; results: Array<{ id: string; ok: boolean; changed?: boolean; code?: string; message?: string }> };

describe("bulk operations", () => {
  let rig: ApiRig;
  const bulk = async (body: unknown) => {
    const r = await rig.call("POST", "/api/v1/monitors/bulk", body);
    return { status: r.statusCode, body: r.json() as Bulk & Json };
  };

  before(async () => {
    rig = await startApi(`monitors:\n  - { id: file/web, name: web, url: "http://127.0.0.1:9/", paused: true, labels: { team: web } }\n`);
    for (let i = 0; i < 6; i++) {
      const r = await rig.call("POST", "/api/v1/monitors", { name: `job-${i}`, type: "heartbeat", period: "1h", group: ["Batch"], labels: { team: i < 3 ? "web" : "db" } });
      assert.equal(r.statusCode, 201, r.body);
    }
  });
  after(() => rig.close());

  const status = (id: string) => rig.engine.get(id)?.state.status;

  test("pause by ids: each one answered, read-only and unknown ones reported, the others done in one request", async () => {
    const r = await bulk({ action: "pause", ids: ["batch/job-0", "batch/job-1", "file/web", "nope", "batch/job-0"] });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.matched, r.body.succeeded, r.body.failed], [4, 2, 2]);
    assert.deepEqual(
      r.body.results.map((x) => [x.id, x.ok, x.code ?? null]),
      [["batch/job-0", true, null], ["batch/job-1", true, null], ["file/web", false, "UPBEAT_MONITOR_READ_ONLY"], ["nope", false, "UPBEAT_MONITOR_NOT_FOUND"]],
    );
    assert.match(r.body.results[2]?.message ?? "", /test\.yaml/);
    assert.deepEqual([status("batch/job-0"), status("batch/job-1"), status("batch/job-2")], ["paused", "paused", "pending"]);
    const again = await bulk({ action: "pause", ids: ["batch/job-0"] });
    assert.deepEqual(again.body.results, [{ id: "batch/job-0", ok: true, changed: false }]);
  });

  test("resume and relabel by filter; labels set and removed; a restart keeps them", async () => {
    const resumed = await bulk({ action: "resume", filter: { group: "Batch", state: "paused" } });
    assert.deepEqual(resumed.body.results.map((x) => x.id).sort(), ["batch/job-0", "batch/job-1"]);
    assert.notEqual(status("batch/job-0"), "paused");
    const relabel = await bulk({ action: "setLabels", filter: { label: "team:db" }, labels: { oncall: "ana", team: null } });
    assert.deepEqual([relabel.body.matched, relabel.body.succeeded], [3, 3]);
    await rig.restart();
    assert.deepEqual(rig.engine.get("batch/job-4")?.monitor.settings.labels, { oncall: "ana" });
    assert.deepEqual(rig.engine.get("batch/job-0")?.monitor.settings.labels, { team: "web" });
    const listed = (await rig.call("GET", "/api/v1/monitors?label=oncall:ana")).json() as { total: number };
    assert.equal(listed.total, 3);
  });

  test("delete by filter: read-only monitors that match are reported, not deleted", async () => {
    const r = await bulk({ action: "delete", filter: { label: "team:web" } });
    assert.deepEqual([r.body.matched, r.body.succeeded, r.body.failed], [4, 3, 1]);
    assert.equal(r.body.results.find((x) => !x.ok)?.id, "file/web");
    assert.equal(rig.engine.get("batch/job-0"), undefined);
    assert.ok(rig.engine.get("file/web"));
    assert.equal((await rig.store.listMonitors()).length, 4);
  });

  test("bad requests are refused whole, and nothing changes", async () => {
    const before = JSON.stringify([...rig.engine.entries()].map((e) => [e.monitor.id, e.state.status, e.monitor.settings.labels]));
    const cases: Array<[unknown, RegExp]> = [
      [{ action: "pause" }, /either ids or filter/],
      [{ action: "pause", ids: ["a"], filter: { q: "a" } }, /either ids or filter/],
      [{ action: "delete", filter: {} }, /at least one criterion/],
      [{ action: "setLabels", ids: ["batch/job-4"] }, /labels is required/],
      [{ action: "pause", ids: ["batch/job-4"], labels: { a: "b" } }, /only for setLabels/],
      [{ action: "setLabels", ids: ["batch/job-4"], labels: { "bad key": "x" } }, /labels/],
      [{ action: "explode", ids: ["batch/job-4"] }, /action/],
      [{ action: "pause", ids: [] }, /ids/],
      [{ action: "pause", filter: { colour: "red" } }, /colour|additional/],
    ];
    for (const [body, message] of cases) {
      const r = await bulk(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, "UPBEAT_BAD_REQUEST");
      assert.match(String(r.body.message), message);
    }
    assert.equal(JSON.stringify([...rig.engine.entries()].map((e) => [e.monitor.id, e.state.status, e.monitor.settings.labels])), before);
  });
});
