/** Live updates over SSE: a real engine probing a real HTTP target, a real socket to the stream. */
import assert from "node:assert/strict";
import http, { type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { configOf, quietLog, startEngine } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { Engine } from "../engine/engine.ts";
import { openAccess } from "./access.ts";
import { buildApp } from "./app.ts";
import { dashboardPlugin } from "./dashboard-routes.ts";
import { LiveEvents } from "./live-events.ts";

interface SseEvent {
  event: string;
  data: string;
}

/** An open stream and the events read from it so far. */
interface Stream {
  res: IncomingMessage;
  events: SseEvent[];
  comments: string[];
  close(): void;
}

function connect(port: number, o: { paused?: boolean } = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/api/v1/events" }, (res) => {
      const s: Stream = { res, events: [], comments: [], close: () => req.destroy() };
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const lines = block.split("\n");
          for (const l of lines) if (l.startsWith(":")) s.comments.push(l);
          const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
          const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (event) s.events.push({ event, data });
        }
      });
      if (o.paused) res.pause();
      resolve(s);
    });
    req.on("error", reject);
  });
}

const parsed = <T>(s: Stream, event: string): T[] => s.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);

describe("live events (SSE)", () => {
  let t: TestStore;
  let target: TestServer;
  let engine: Engine;
  let app: FastifyInstance;
  let hub: LiveEvents;
  let port: number;
  let code = 200;

  before(async () => {
    t = await sqliteStore();
    target = await startHttpServer((_req, res) => {
      res.writeHead(code);
      res.end(code === 200 ? "ok" : "unavailable");
    });
    const config = configOf(`
monitors:
  - { id: site, name: Site, url: "${target.url}/health" }
`);
    ({ engine } = await startEngine(config, t.store));
    hub = new LiveEvents({ flushMs: 100, heartbeatMs: 150 });
    hub.attach(engine);
    app = buildApp({ access: openAccess("viewer"), store: t.store, engine: () => engine, ready: () => true, log: quietLog });
    await app.register((s) => dashboardPlugin(s, { store: t.store, engine: () => engine, events: hub, now: Date.now }));
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await app.close();
    await engine.stop(0);
    await target.close();
    await t.cleanup();
  });

  test("status changes arrive as they happen, results in batches, with keep-alive comments", async () => {
    const s = await connect(port);
    try {
      assert.equal(s.res.statusCode, 200);
      assert.match(String(s.res.headers["content-type"]), /^text\/event-stream/);
      assert.equal(s.res.headers["cache-control"], "no-cache, no-transform");
      await waitFor("hello", () => s.events.some((e) => e.event === "hello"));
      await waitFor("up", () => engine.get("site")?.state.status === "up", 5000);
      code = 503;
      await waitFor("a down status event", () => parsed<{ id: string; to: string }>(s, "status").some((e) => e.id === "site" && e.to === "down"), 5000);
      const down = parsed<{ id: string; from: string; to: string; at: number; reason?: string }>(s, "status").find((e) => e.to === "down");
      assert.equal(down?.from, "up");
      assert.match(down?.reason ?? "", /503/, "a down event says why");
      assert.ok(Math.abs((down?.at ?? 0) - Date.now()) < 5000);
      await waitFor("a down result", () => parsed<Array<{ id: string; health: string }>>(s, "result").some((b) => b.some((r) => r.id === "site" && r.health === "down")), 5000);
      code = 200;
      await waitFor("back up", () => parsed<{ to: string }>(s, "status").filter((e) => e.to === "up").length > 0 && parsed<{ to: string }>(s, "status").at(-1)?.to === "up", 5000);
      const recovered = parsed<{ to: string; at: number }>(s, "status").at(-1)?.at ?? 0;
      await waitFor("an up result after recovery", () => parsed<Array<{ health: string; at: number }>>(s, "result").some((b) => b.some((r) => r.health === "up" && r.at >= recovered)), 5000);
      const batches = parsed<Array<{ id: string; health: string; latencyMs: number | null; at: number }>>(s, "result");
      // 100 ms checks, 100 ms batches: never more than one result per monitor in a batch.
      for (const b of batches) assert.equal(new Set(b.map((r) => r.id)).size, b.length);
      const up = batches.flat().filter((r) => r.health === "up");
      assert.ok(up.length > 0 && up.every((r) => typeof r.latencyMs === "number" && r.latencyMs >= 0));
      assert.ok(batches.flat().filter((r) => r.health === "down").every((r) => r.latencyMs === null));
      await waitFor("a keep-alive comment", () => s.comments.includes(": keep-alive"), 2000);
    } finally {
      s.close();
    }
    await waitFor("the hub forgets a closed stream", () => hub.counters().clients === 0, 2000);
  });

  test("while the engine runs, the listing comes from its memory and follows every change at once", async () => {
    code = 200;
    await waitFor("up", () => engine.get("site")?.state.status === "up", 5000);
    const rows = async (qs = "") => (await app.inject({ method: "GET", url: `/api/v1/dashboard/rows${qs}` })).json() as { total: number; rows: Array<{ id: string; state: string; latencyMs: number | null; reason?: string; readOnly: boolean }> };
    await waitFor("a latency", async () => (await rows()).rows[0]?.latencyMs !== null, 5000);
    const up = (await rows()).rows[0];
    assert.equal(up?.state, "up");
    assert.ok((up?.latencyMs ?? -1) >= 0);
    code = 503;
    await waitFor("down in the engine", () => engine.get("site")?.state.status === "down", 5000);
    // No wait: a state change makes the kept listing stale.
    const down = (await rows("?state=down")).rows[0];
    assert.equal(down?.id, "site");
    assert.equal(down?.latencyMs, null);
    await waitFor("the reason", async () => /503/.test((await rows()).rows[0]?.reason ?? ""), 5000);
    code = 200;
    const extra = configOf(`monitors:\n  - { id: extra, name: Extra, url: "${target.url}/x" }`).monitors[0];
    await engine.create({ ...(extra as NonNullable<typeof extra>), source: { format: "ping" } });
    await waitFor("the new monitor listed", async () => (await rows()).total === 2, 5000);
    const dash = (await app.inject({ method: "GET", url: "/api/v1/dashboard" })).json() as { total: number; counts: Record<string, number> };
    assert.equal(dash.total, 2);
    assert.equal(Object.values(dash.counts).reduce((a, b) => a + b, 0), 2);
    await waitFor("both up", () => engine.get("site")?.state.status === "up", 5000);
  });

  test("a client that stops reading is cut off, then told to resync once it drains", async () => {
    const small = new LiveEvents({ maxBufferedBytes: 64 * 1024, flushMs: 60_000, heartbeatMs: 60_000 });
    const server = http.createServer((_req, res) => small.open(res));
    server.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const s = await connect((server.address() as AddressInfo).port, { paused: true });
    try {
      await waitFor("connected", () => small.counters().clients === 1);
      // Far more than the socket buffers hold: the server side must stop queueing.
      const before = small.counters().sent;
      for (let i = 0; i < 200_000; i++) small.status({ id: `m${i}`, from: "up", to: "down", at: i });
      const written = small.counters().sent - before;
      assert.ok(written < 200_000, `only part was queued (${written})`);
      s.res.resume();
      await waitFor("resync", () => s.events.some((e) => e.event === "resync"), 10_000);
      assert.equal(small.counters().resyncs, 1);
      const statuses = s.events.filter((e) => e.event === "status").length;
      assert.ok(statuses < 200_000, `the client got ${statuses} of 200000 and a resync`);
      small.status({ id: "after", from: "down", to: "up", at: 1 });
      await waitFor("events flow again", () => s.events.some((e) => e.event === "status" && e.data.includes('"after"')), 5000);
    } finally {
      s.close();
      small.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test("closing the server ends open streams instead of hanging", async () => {
    const own = new LiveEvents();
    const a = buildApp({ access: openAccess("viewer"), store: t.store, engine: () => engine, ready: () => true, log: quietLog });
    await a.register((sc) => dashboardPlugin(sc, { store: t.store, engine: () => engine, events: own, now: Date.now }));
    await a.listen({ host: "127.0.0.1", port: 0 });
    const s = await connect((a.server.address() as AddressInfo).port);
    await waitFor("open", () => own.counters().clients === 1);
    const ended = new Promise((r) => s.res.on("end", r));
    const started = Date.now();
    await a.close();
    await ended;
    assert.ok(Date.now() - started < 3000);
    assert.equal(own.counters().clients, 0);
  });
});
