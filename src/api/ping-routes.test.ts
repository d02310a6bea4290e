/** The check-in endpoints over real HTTP on loopback, with the engine and a SQLite store behind them. */
import { openAccess } from "./access.ts";
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { sqliteStore } from "../../test/helpers/stores.ts";
import type { Engine } from "../engine/engine.ts";
import { buildApp } from "./app.ts";
import { pingCounters } from "./ping-routes.ts";

const UUID = "5f3c8d2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const KEY = "k3y-for-tests";

describe("ping endpoints", () => {
  let base = "";
  let engine: Engine;
  let cleanup: () => Promise<void>;
  const counters = pingCounters();
  let store: Awaited<ReturnType<typeof sqliteStore>>["store"];

  before(async () => {
    const db = await sqliteStore();
    store = db.store;
    const config = configOf(`
heartbeats: { pingKeys: ["${KEY}"], bodyLimit: 1000, createdPeriod: 2h, createdGrace: 10m }
monitors:
  - { name: backup, type: heartbeat, uuid: ${UUID}, period: 1h }
  - { name: nightly, type: heartbeat, cron: "0 3 * * *", timezone: Europe/Stockholm }
  - { name: kuma, type: heartbeat, pushToken: tok3n, period: 60s }
`);
    ({ engine } = await startEngine(config, db.store));
    const settings = config.heartbeats;
    assert.ok(settings);
    const app = buildApp({ access: openAccess(), store: db.store, engine: () => engine, ready: () => true, log: quietLog, heartbeatSettings: () => settings, pingCounters: counters });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    cleanup = async () => {
      await app.close();
      await engine.stop();
      await db.cleanup();
    };
  });
  after(async () => cleanup());

  const status = (id: string) => engine.get(id)?.state.status;

  test("GET, HEAD and POST to /ping/<uuid> all count, answer OK as text only once stored", async () => {
    for (const method of ["GET", "HEAD", "POST"]) {
      const res = await fetch(`${base}/ping/${UUID}`, { method, ...(method === "POST" ? { body: "hello from cron" } : {}) });
      assert.equal(res.status, 200, method);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(res.headers.get("ping-body-limit"), "1000");
      if (method !== "HEAD") assert.equal(await res.text(), "OK");
      const pings = await store.pings("backup", { limit: 10 });
      assert.equal(pings.length, ["GET", "HEAD", "POST"].indexOf(method) + 1, `the ${method} ping is in the database when the answer arrives`);
    }
    assert.equal((await store.pings("backup", { limit: 1 }))[0]?.body, "hello from cron");
    assert.equal(status("backup"), "up");
    assert.equal((await fetch(`${base}/ping/${UUID.toUpperCase()}`)).status, 200, "a uuid in capitals is the same check");
  });

  test("start → success gives the run's duration; start → fail and exit codes 0 and 3; overlapping runs by rid", async () => {
    assert.equal((await fetch(`${base}/ping/${UUID}/start`)).status, 200);
    assert.equal(engine.heartbeats.view("backup")?.display, "running");
    await new Promise((r) => setTimeout(r, 120));
    await fetch(`${base}/ping/${UUID}`, { method: "POST", body: "done" });
    const finished = (await store.pings("backup", { limit: 1 }))[0];
    assert.ok(finished?.durationMs !== undefined && finished.durationMs >= 100 && finished.durationMs < 2000, `duration ${finished?.durationMs}`);

    await fetch(`${base}/ping/${UUID}/start`);
    await fetch(`${base}/ping/${UUID}/fail`, { method: "POST", body: "step 1 ok\nerror: disk full\n" });
    assert.equal(status("backup"), "down");
    assert.match(engine.get("backup")?.state.incident?.cause ?? "", /reported a failure: error: disk full/);
    await fetch(`${base}/ping/${UUID}/0`);
    assert.equal(status("backup"), "up", "exit code 0 is a success");
    await fetch(`${base}/ping/${UUID}/3`, { method: "POST", body: "exit 3" });
    assert.equal(status("backup"), "down");
    assert.match(engine.get("backup")?.state.incident?.cause ?? "", /exit code 3/);
    assert.equal((await store.pings("backup", { limit: 1 }))[0]?.exitCode, 3);
    await fetch(`${base}/ping/${UUID}`);

    await fetch(`${base}/ping/${UUID}/start?rid=run-a`);
    await new Promise((r) => setTimeout(r, 60));
    await fetch(`${base}/ping/${UUID}/start?rid=run-b`);
    assert.deepEqual(Object.keys(engine.heartbeats.view("backup")?.running ?? {}).sort(), ["run-a", "run-b"]);
    await fetch(`${base}/ping/${UUID}?rid=run-b`);
    await fetch(`${base}/ping/${UUID}?rid=run-a`);
    const [a, b] = await store.pings("backup", { limit: 2 });
    assert.equal(a?.rid, "run-a");
    assert.equal(b?.rid, "run-b");
    assert.ok((a?.durationMs ?? 0) > (b?.durationMs ?? 0), "each run is timed from its own start");
    assert.deepEqual(engine.heartbeats.view("backup")?.running, {});
  });

  test("ping key + slug, ?create=1, and unknown checks", async () => {
    assert.equal((await fetch(`${base}/ping/${KEY}/nightly`)).status, 200);
    assert.equal(status("nightly"), "up");
    const unknown = await fetch(`${base}/ping/${KEY}/new-job`);
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), "not found\n");
    const made = await fetch(`${base}/ping/${KEY}/new-job/start?create=1`);
    assert.equal(made.status, 201);
    assert.equal(await made.text(), "Created");
    assert.equal(engine.heartbeats.view("hb/new-job")?.display, "running");
    assert.equal((await fetch(`${base}/ping/${KEY}/new-job?create=1`)).status, 200, "a second create pings the existing check");
    const view = engine.heartbeats.view("hb/new-job");
    assert.equal(view?.deadlineAt, (view?.lastPingAt ?? 0) + 2 * 3_600_000 + 10 * 60_000, "created with the configured period and grace");
    assert.equal((await fetch(`${base}/ping/other-key-123/nightly`)).status, 404, "a key not in pingKeys is refused");
    assert.equal((await fetch(`${base}/ping/00000000-0000-4000-8000-000000000000`)).status, 404);
    assert.ok(counters.rejected.notFound >= 2 && counters.rejected.forbidden >= 1);
  });

  test("bodies: kept up to the limit, the whole size recorded; a huge body is refused and counted; bad URLs say why", async () => {
    const big = "x".repeat(150_000);
    assert.equal((await fetch(`${base}/ping/${UUID}/log`, { method: "POST", body: big })).status, 200);
    const log = (await store.pings("backup", { limit: 1 }))[0];
    assert.equal(log?.kind, "log");
    assert.equal(log?.body?.length, 1000);
    assert.equal(log?.bodyBytes, 150_000);
    const huge = await postRaw(`${base}/ping/${UUID}`, 11 * 1024 * 1024);
    assert.equal(huge, 413);
    assert.equal(counters.rejected.tooLarge, 1);
    const bad = await fetch(`${base}/ping/${UUID}/launch`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /unknown ping "launch"/);
    const badRid = await fetch(`${base}/ping/${UUID}?rid=${"r".repeat(100)}`);
    assert.equal(badRid.status, 400);
    assert.ok(counters.rejected.malformed >= 2);
    const latin1 = await fetch(`${base}/ping/${UUID}`, { method: "POST", body: Buffer.from([0x66, 0xff, 0xfe, 0x6f]) });
    assert.equal(latin1.status, 200, "a body that is not UTF-8 is kept with replacement characters, the ping counts");
    assert.equal((await fetch(`${base}/healthz`)).status, 200, "the server is still there");
  });

  test("Uptime Kuma push URLs: up with ping time, down with a message, unknown token", async () => {
    const up = await fetch(`${base}/api/push/tok3n?status=up&msg=OK&ping=42`);
    assert.equal(up.status, 200);
    assert.deepEqual(await up.json(), { ok: true });
    assert.equal(status("kuma"), "up");
    const down = await fetch(`${base}/api/push/tok3n?status=down&msg=queue%20stuck`);
    assert.deepEqual(await down.json(), { ok: true });
    assert.equal(status("kuma"), "down");
    assert.match(engine.get("kuma")?.state.incident?.cause ?? "", /queue stuck/);
    const missing = await fetch(`${base}/api/push/nope1234`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { ok: false, msg: "Monitor not found or not active." });
    const bad = await fetch(`${base}/api/push/tok3n?status=sideways`);
    assert.equal(bad.status, 400);
  });
});

/** POSTs `bytes` zeros, resolving with the status (the server may answer before reading it all). */
function postRaw(url: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/octet-stream", "content-length": String(bytes) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (e) => (String(e).includes("EPIPE") || String(e).includes("ECONNRESET") ? undefined : reject(e)));
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const write = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}
