/** http-monitoring's API (compat §5, seed 004): exact shapes, bad bodies, the queue, access and base path, over real HTTP. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { call, type HmInstance, startHm } from "../../test/helpers/http-monitoring.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { Access, Role } from "./access.ts";

const ELAPSED = /^\d+\.\d{2} seconds$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const STATUS_KEYS = ["actual_response", "elapsed", "endpoint", "expected_response", "is_down", "is_up", "timestamp", "title"];

describe("http-monitoring API", () => {
  let db: TestStore;
  let hm: HmInstance;
  let ok: TestServer;
  let slow: TestServer;
  let slowMs = 0;

  before(async () => {
    ok = await startHttpServer((_q, res) => res.end("ok"));
    slow = await startHttpServer((_q, res) => void setTimeout(() => res.end("late"), slowMs));
    db = await sqliteStore();
    hm = await startHm(db.store);
  });
  after(async () => {
    await hm.stop();
    await Promise.all([ok.close(), slow.close()]);
    await db.cleanup();
  });

  test("with no target yet, GET /status says so in the original's shape", async () => {
    const r = await call(`${hm.url}/status`);
    assert.equal(r.status, 404);
    assert.deepEqual(Object.keys(r.json), ["category", "data", "message", "code", "statusCode"]);
    assert.deepEqual({ ...r.json, message: "" }, { category: "error", data: null, message: "", code: "UPBEAT_HTTP_MONITORING_NO_TARGET", statusCode: 404 });
  });

  test("GET /status/queue before any work: zero times, not busy", async () => {
    const r = await call(`${hm.url}/status/queue`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"category":"success","data":{"end_time":"0.00 seconds","queue_status":false,"start_time":"0.00 seconds"},"message":"Success get the response"}');
  });

  test("POST /status → 201; the target is checked at once and GET /status answers exactly as the seed shows", async () => {
    const t0 = Date.now();
    const r = await call(`${hm.url}/status`, "POST", { targets: [{ title: "Hit the local!", endpoint: `${ok.url}/`, expected_http_code: 200 }] });
    assert.equal(r.status, 201);
    const id = ((r.json.data as { targets: Array<{ monitor_id: string }> }).targets[0] as { monitor_id: string }).monitor_id;
    assert.deepEqual(r.json, { category: "success", data: { targets: [{ endpoint: `${ok.url}/`, expected_http_code: 200, monitor_id: id, title: "Hit the local!" }] }, message: "Success create the targets" });
    assert.equal(hm.engine.get(id)?.monitor.settings.intervalMs, 1000);
    const s = await waitFor("the first check", async () => {
      const g = await call(`${hm.url}/status`);
      return (g.json.data as { is_up?: boolean }).is_up ? g : undefined;
    });
    assert.equal(s.status, 200);
    assert.deepEqual(Object.keys(s.json), ["category", "data", "message"]);
    const data = s.json.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data), STATUS_KEYS, "keys sorted as Flask's jsonify sorts them");
    assert.match(String(data.elapsed), ELAPSED);
    assert.match(String(data.timestamp), TIMESTAMP);
    const at = Date.parse(`${String(data.timestamp).replace(" ", "T")}Z`);
    assert.ok(at >= Math.floor(t0 / 1000) * 1000 && at <= Date.now(), "the timestamp is the check's time (UTC)");
    assert.deepEqual({ ...data, elapsed: "", timestamp: "" }, { actual_response: 200, elapsed: "", endpoint: `${ok.url}/`, expected_response: 200, is_down: false, is_up: true, timestamp: "", title: "Hit the local!" });
    assert.equal(s.json.message, "Success get the response");
  });

  test("GET /status/queue after the first check: start and end times as epoch seconds, idle", async () => {
    const r = await call(`${hm.url}/status/queue`);
    const d = r.json.data as { end_time: string; queue_status: boolean; start_time: string };
    assert.deepEqual(Object.keys(d), ["end_time", "queue_status", "start_time"]);
    assert.match(d.start_time, ELAPSED);
    assert.match(d.end_time, ELAPSED);
    assert.equal(d.queue_status, false);
    const start = parseFloat(d.start_time);
    assert.ok(Math.abs(start - Date.now() / 1000) < 30 && parseFloat(d.end_time) >= start);
  });

  test("several targets are all monitored; GET /status shows the first of the newest submission, ?endpoint= and ?all=true the others", async () => {
    const before = hm.engine.ids("http-monitoring").length;
    const r = await call(`${hm.url}/status`, "POST", { targets: [{ title: null, endpoint: `${ok.url}/a`, expected_http_code: 200 }, { title: "b", endpoint: `${ok.url}/b` }, { title: "c", endpoint: `${ok.url}/c`, expected_http_code: 204 }] });
    assert.equal(r.status, 201);
    assert.equal(hm.engine.ids("http-monitoring").length, before + 3);
    await waitFor("all three checked", () => ok.requests.filter((q) => ["/a", "/b", "/c"].includes(q.url)).length >= 3);
    await waitFor("the statuses", async () => ((await call(`${hm.url}/status?all=true`)).json.data as Array<{ timestamp: unknown }>).every((d) => d.timestamp !== null));
    const first = (await call(`${hm.url}/status`)).json.data as Record<string, unknown>;
    assert.equal(first.endpoint, `${ok.url}/a`);
    assert.equal(first.title, null, "a target without a title answers title null");
    const c = (await call(`${hm.url}/status?endpoint=${encodeURIComponent(`${ok.url}/c`)}`)).json.data as Record<string, unknown>;
    assert.deepEqual([c.expected_response, c.actual_response, c.is_up, c.is_down], [204, 200, false, true], "200 where 204 was expected is down");
    assert.equal(((await call(`${hm.url}/status?title=b`)).json.data as Record<string, unknown>).endpoint, `${ok.url}/b`);
    const all = (await call(`${hm.url}/status?all=1`)).json.data as Array<Record<string, unknown>>;
    assert.deepEqual(all.map((d) => d.endpoint), [`${ok.url}/`, `${ok.url}/a`, `${ok.url}/b`, `${ok.url}/c`]);
    for (const d of all) assert.deepEqual(Object.keys(d), STATUS_KEYS);
    const none = await call(`${hm.url}/status?endpoint=http%3A%2F%2Fnowhere.invalid%2F`);
    assert.equal(none.status, 404);
    assert.equal(none.json.category, "error");
    assert.equal((await call(`${hm.url}/status?all=maybe`)).status, 400);
  });

  test("resubmitting a target unchanged keeps its monitor and state; a new expected code re-creates it", async () => {
    const id = hm.engine.ids("http-monitoring").find((i) => hm.engine.get(i)?.monitor.name === "b") as string;
    const since = hm.engine.get(id)?.state.since;
    await call(`${hm.url}/status`, "POST", { targets: [{ title: "b", endpoint: `${ok.url}/b` }] });
    assert.equal(hm.engine.get(id)?.state.since, since);
    await call(`${hm.url}/status`, "POST", { targets: [{ title: "b", endpoint: `${ok.url}/b`, expected_http_code: 201 }] });
    assert.deepEqual((hm.engine.get(id)?.monitor.check as { expect?: unknown }).expect, { status: [201] });
    await waitFor("b re-checked against 201", async () => ((await call(`${hm.url}/status?title=b`)).json.data as { is_down: boolean }).is_down);
  });

  test("the page before the first check: result fields null, both flags false", async () => {
    slowMs = 800;
    await call(`${hm.url}/status`, "POST", { targets: [{ title: "slow", endpoint: `${slow.url}/first` }] });
    const r = await call(`${hm.url}/status?title=slow`);
    assert.deepEqual(r.json, { category: "success", data: { actual_response: null, elapsed: null, endpoint: `${slow.url}/first`, expected_response: 200, is_down: false, is_up: false, timestamp: null, title: "slow" }, message: "Success get the response" });
    const q = (await call(`${hm.url}/status/queue`)).json.data as Record<string, unknown>;
    assert.deepEqual([q.queue_status, q.end_time], [true, "0.00 seconds"], "busy while the first check runs");
    await waitFor("the slow check", async () => !((await call(`${hm.url}/status/queue`)).json.data as { queue_status: boolean }).queue_status, 5000);
  });

  test("bad bodies are refused with the field named, and nothing is created", async () => {
    const count = () => hm.engine.ids("http-monitoring").length;
    const before = count();
    const cases: Array<[unknown, RegExp]> = [
      ["{not json", /not JSON/],
      [[], /JSON object/],
      [{}, /^targets must be a non-empty list/],
      [{ targets: [] }, /^targets must be a non-empty list/],
      [{ targets: [{ title: "x" }] }, /targets\[0\]\.endpoint is required/],
      [{ targets: [{ endpoint: "ftp://example.test/" }] }, /targets\[0\]\.endpoint must be an http/],
      [{ targets: [{ endpoint: "not a url" }] }, /targets\[0\]\.endpoint is not a URL/],
      [{ targets: [{ endpoint: `${ok.url}/x`, expected_http_code: 99 }] }, /targets\[0\]\.expected_http_code/],
      [{ targets: [{ endpoint: `${ok.url}/x`, expected_http_code: "200" }] }, /targets\[0\]\.expected_http_code/],
      [{ targets: [{ endpoint: `${ok.url}/x` }, { endpoint: `${ok.url}/y`, title: 5 }] }, /targets\[1\]\.title/],
      [{ targets: "x" }, /targets must be/],
    ];
    for (const [body, why] of cases) {
      const r = await call(`${hm.url}/status`, "POST", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.deepEqual([r.json.category, r.json.data, r.json.code, r.json.statusCode], ["error", null, "UPBEAT_BAD_REQUEST", 400]);
      assert.match(String(r.json.message), why);
    }
    assert.equal(count(), before, "nothing was created");
  });

  test("POST /status/queue sets worker_thread and queue_size (0 → 5 and 3) and the first checks obey it", async () => {
    let now = 0;
    let most = 0;
    const gate = await startHttpServer((_q, res) => {
      most = Math.max(most, ++now);
      setTimeout(() => {
        now--;
        res.end("late");
      }, 250);
    });
    // An hour apart: only the first checks reach the server during the test.
    hm.settings.intervalMs = 3_600_000;
    try {
      const set = await call(`${hm.url}/status/queue`, "POST", { worker_thread: 1, queue_size: 4 });
      assert.equal(set.text, '{"category":"success","data":{"queue_size":4,"worker_thread":1},"message":"Success set the queue"}');
      const run = async (tag: string) => {
        most = 0;
        await call(`${hm.url}/status`, "POST", { targets: [1, 2, 3].map((i) => ({ endpoint: `${gate.url}/${tag}-${i}` })) });
        await waitFor(`three ${tag} checks`, () => gate.requests.filter((q) => q.url.startsWith(`/${tag}-`)).length === 3 && now === 0, 5000);
        return most;
      };
      assert.equal(await run("w1"), 1, "one worker: one first check at a time");
      await call(`${hm.url}/status/queue`, "POST", { worker_thread: 3, queue_size: 3 });
      assert.equal(await run("w3"), 3);
    } finally {
      hm.settings.intervalMs = 1000;
      await gate.close();
    }
    const reset = await call(`${hm.url}/status/queue`, "POST", { worker_thread: 0, queue_size: 0 });
    assert.deepEqual(reset.json.data, { queue_size: 3, worker_thread: 5 });
    assert.deepEqual(hm.service.queue.sizes, { workers: 5, capacity: 3 });
    for (const body of [{ worker_thread: -1 }, { worker_thread: 1.5 }, { queue_size: "3" }, { worker_thread: 65 }, "[1]"]) {
      const r = await call(`${hm.url}/status/queue`, "POST", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.category, "error");
    }
    assert.deepEqual(hm.service.queue.sizes, { workers: 5, capacity: 3 }, "a refused body changes nothing");
  });

  test("DELETE /status?endpoint= removes a target (an Upbeat extension)", async () => {
    const before = hm.engine.ids("http-monitoring").length;
    const r = await call(`${hm.url}/status?endpoint=${encodeURIComponent(`${ok.url}/a`)}`, "DELETE");
    assert.deepEqual(r.json, { category: "success", data: null, message: "Success delete the target" });
    assert.equal(hm.engine.ids("http-monitoring").length, before - 1);
    assert.equal((await call(`${hm.url}/status?endpoint=${encodeURIComponent(`${ok.url}/a`)}`, "DELETE")).status, 404);
    assert.equal((await call(`${hm.url}/status`, "DELETE")).status, 400);
  });

  test("more targets than maxTargets are refused whole", async () => {
    hm.settings.maxTargets = hm.engine.ids("http-monitoring").length + 1;
    try {
      const before = hm.engine.ids("http-monitoring").length;
      const r = await call(`${hm.url}/status`, "POST", { targets: [{ endpoint: `${ok.url}/m1` }, { endpoint: `${ok.url}/m2` }] });
      assert.equal(r.status, 409);
      assert.equal(r.json.code, "UPBEAT_HTTP_MONITORING_FULL");
      assert.equal(hm.engine.ids("http-monitoring").length, before);
    } finally {
      hm.settings.maxTargets = 10_000;
    }
  });
});

/** Principals by bearer token, through the real access hook. */
const tokens: Access = {
  resolve: async (req) => {
    const t = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!t) return undefined;
    const [role, ro] = t.split("-") as [Role, string | undefined];
    return { kind: "apiKey", userId: t, name: t, role, ...(ro ? { readOnly: true } : {}) };
  },
};

describe("http-monitoring API: access and base path", () => {
  let db: TestStore;
  let hm: HmInstance;
  let ok: TestServer;

  before(async () => {
    ok = await startHttpServer((_q, res) => res.end("ok"));
    db = await sqliteStore();
    hm = await startHm(db.store, { basePath: "/hm", access: "authenticated" }, tokens);
  });
  after(async () => {
    await hm.stop();
    await ok.close();
    await db.cleanup();
  });

  const body = () => ({ targets: [{ endpoint: `${ok.url}/` }] });
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });

  test("served under the base path only", async () => {
    assert.equal((await call(`${hm.url}/status/queue`)).status, 404);
    assert.equal((await call(`${hm.url}/hm/status/queue`, "GET", undefined, auth("viewer"))).status, 200);
  });

  test("authenticated: no credentials 401, viewer reads but may not write or send mail, read-only keys may not write", async () => {
    const count = () => hm.engine.ids("http-monitoring").length;
    for (const [method, path] of [["GET", "/hm/status"], ["POST", "/hm/status"], ["GET", "/hm/emails"], ["POST", "/hm/status/queue"]] as const) {
      const r = await call(`${hm.url}${path}`, method, method === "POST" ? body() : undefined);
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.deepEqual([r.json.category, r.json.code], ["error", "UPBEAT_UNAUTHENTICATED"]);
    }
    assert.equal((await call(`${hm.url}/hm/status`, "POST", body(), auth("viewer"))).status, 403);
    assert.equal((await call(`${hm.url}/hm/status/queue`, "POST", { worker_thread: 1 }, auth("viewer"))).status, 403);
    assert.equal((await call(`${hm.url}/hm/emails`, "GET", undefined, auth("viewer"))).status, 403);
    const ro = await call(`${hm.url}/hm/status`, "POST", body(), auth("admin-ro"));
    assert.deepEqual([ro.status, ro.json.code], [403, "UPBEAT_READ_ONLY_KEY"]);
    assert.equal(count(), 0, "no refused request created anything");
    assert.deepEqual(hm.service.queue.sizes, { workers: 5, capacity: 3 });
    assert.equal((await call(`${hm.url}/hm/status`, "POST", body(), auth("editor"))).status, 201);
    assert.equal(count(), 1);
    assert.equal((await call(`${hm.url}/hm/status`, "GET", undefined, auth("viewer"))).status, 200);
  });
});
