/** Probe threads: real worker threads running real probes against a loopback server. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Monitor } from "../config/model.ts";
import { configOf, quietLog } from "../../test/helpers/engine.ts";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { PROBE_THREAD_YOUNG_GENERATION_MB } from "../lib/heap.ts";
import { defaultProbeThreads, ProbePool } from "./pool.ts";

const monitorOf = (name: string, url: string, over = ""): Monitor => configOf(`monitors:\n  - { name: ${name}, url: "${url}"${over} }\n`).monitors[0] as Monitor;

describe("probe threads", () => {
  let srv: TestServer;
  let hits: string[] = [];
  before(async () => {
    srv = await startHttpServer((req, res) => {
      hits.push(req.url ?? "");
      const u = new URL(req.url ?? "/", "http://x");
      if (u.pathname === "/slow") return void setTimeout(() => res.end("late"), 5000);
      if (u.pathname === "/down") return void res.writeHead(503).end("down");
      res.end("ok");
    });
  });
  after(() => srv.close());

  test("a check runs in a thread and comes back as the observation the main thread would make", async () => {
    const pool = new ProbePool({ threads: 2, region: "eu-1", log: quietLog });
    try {
      const ok = await pool.run(monitorOf("web", `${srv.url}/ok`));
      assert.equal(ok.monitorId, "web");
      assert.equal(ok.health, "up");
      assert.equal(ok.region, "eu-1");
      assert.equal(ok.facts?.statusCode, 200);
      assert.equal(ok.attempts?.length, 1);
      assert.ok((ok.attempts?.[0]?.startedAt ?? 0) <= ok.at);
      const down = await pool.run(monitorOf("api", `${srv.url}/down`, ", retries: 1, retryDelay: 10ms"));
      assert.equal(down.health, "down");
      assert.equal(down.facts?.statusCode, 503);
      assert.equal(down.attempts?.length, 2, "retries run in the thread too");
      assert.ok(pool.workers.length >= 1 && pool.workers.length <= 2, "threads start on first use");
      for (const w of pool.workers) assert.equal(w.resourceLimits?.maxYoungGenerationSizeMb, PROBE_THREAD_YOUNG_GENERATION_MB, "a probe thread has the larger young generation");
    } finally {
      await pool.close();
    }
  });

  test("a changed definition reaches the thread, and a forgotten one is sent again", async () => {
    const pool = new ProbePool({ threads: 1, region: "local", log: quietLog });
    try {
      hits = [];
      const first = monitorOf("web", `${srv.url}/one`);
      await pool.run(first);
      await pool.run(first);
      const changed = monitorOf("web", `${srv.url}/two`);
      await pool.run(changed);
      assert.deepEqual(hits.map((h) => h.split("?")[0]), ["/one", "/one", "/two"]);
      // A forgotten monitor is sent in full the next time it runs.
      pool.forget("web");
      const again = await pool.run(changed);
      assert.equal(again.health, "up");
      assert.equal(hits.length, 4);
    } finally {
      await pool.close();
    }
  });

  test("monitors are spread over the threads, each always to the same one", async () => {
    const pool = new ProbePool({ threads: 2, region: "local", log: quietLog });
    try {
      const ms = Array.from({ length: 12 }, (_, i) => monitorOf(`m${String(i)}`, `${srv.url}/ok`));
      const obs = await Promise.all(ms.map((m) => pool.run(m)));
      assert.ok(obs.every((o) => o.health === "up"));
      assert.equal(pool.workers.length, 2, "both threads took checks");
    } finally {
      await pool.close();
    }
  });

  test("abort ends checks in flight at once", async () => {
    const pool = new ProbePool({ threads: 1, region: "local", log: quietLog });
    try {
      const slow = pool.run(monitorOf("slow", `${srv.url}/slow`, ", timeout: 10s"));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      pool.abort();
      const o = await slow;
      assert.ok(Date.now() - t0 < 2000, `ended ${String(Date.now() - t0)} ms after the abort`);
      // The engine drops an observation cut short by shutdown: it says nothing about the target.
      assert.equal(o.health, "down");
    } finally {
      await pool.close();
    }
  });

  test("a thread that dies fails only its checks in flight, naming why, and the next check starts a new one", async () => {
    const pool = new ProbePool({ threads: 1, region: "local", log: quietLog });
    try {
      const m = monitorOf("slow", `${srv.url}/slow`, ", timeout: 10s");
      const inFlight = pool.run(m);
      await new Promise((r) => setTimeout(r, 300));
      const [worker] = pool.workers;
      assert.ok(worker);
      await worker.terminate();
      await assert.rejects(inFlight, /the probe thread stopped \(exit code 1\) before the check ended/);
      assert.equal(pool.inFlight, 0);
      const next = await pool.run(monitorOf("web", `${srv.url}/ok`));
      assert.equal(next.health, "up");
      assert.notEqual(pool.workers[0], worker, "a new thread");
    } finally {
      await pool.close();
    }
  });

  test("thread counts: a bad count is refused; the default leaves the main thread a core", () => {
    assert.throws(() => new ProbePool({ threads: 0, region: "local", log: quietLog }), /probe threads must be a whole number of at least 1, got 0/);
    assert.equal(defaultProbeThreads(1), 1);
    assert.equal(defaultProbeThreads(2), 1);
    assert.equal(defaultProbeThreads(4), 3);
    assert.equal(defaultProbeThreads(32), 4);
  });
});
