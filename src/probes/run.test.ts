import assert from "node:assert/strict";
import net from "node:net";
import { getEventListeners, once } from "node:events";
import { after, before, describe, test } from "node:test";
import { loadText } from "../config/load.ts";
import type { Monitor } from "../config/model.ts";
import { resolveSettings } from "../config/settings.ts";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { httpProbe } from "./http.ts";
import { runCheck } from "./run.ts";
import { tcpProbe } from "./tcp.ts";
import type { ProbeRegistry } from "./types.ts";

const probes = { http: httpProbe, tcp: tcpProbe } as unknown as ProbeRegistry;

/** A Cupcake file with one endpoint, loaded through the real importer. */
function cupcakeMonitor(endpoint: Record<string, unknown>, env: Record<string, string> = {}): Monitor {
  const text = JSON.stringify({ "@type": "endpoint-definitions", groups: [{ id: "customer ABC", environments: [{ id: "production", "endpoint-groups": [{ id: "external", enabled: "true", endpoints: [{ id: "web", ...endpoint }] }] }] }] });
  const r = loadText("endpoints.json", text, { env });
  assert.deepEqual(r.problems, []);
  return r.config.monitors[0] as Monitor;
}

describe("Cupcake retry rules (compat §1.4)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startHttpServer((req, res) => {
      if (req.url?.startsWith("/hang")) return; // accepts, never answers
      if (req.url?.startsWith("/500")) return void res.writeHead(500).end();
      res.end("ok");
    });
  });
  after(() => srv.close());

  test("C-timeout-retries: a TIMEOUT is tried 4 times with one trace id and attempts 1..4", async () => {
    const m = cupcakeMonitor({ url: `${srv.url}/hang`, expected: "^[2]\\d\\d$", appendTraceID: true, appendAttempt: true }, { CONNECTION_TIMEOUT_SECONDS: "1" });
    m.settings.timeoutMs = 150; // the rule, not the wait, is under test
    const before = srv.requests.length;
    const obs = await runCheck(m, { probes });
    const seen = srv.requests.slice(before).map((r) => new URL(r.url, "http://x").searchParams);
    assert.equal(seen.length, 4);
    const trace = seen[0]?.get("cupcake_trace_id");
    assert.match(trace ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(seen.map((q) => q.get("cupcake_trace_id")), [trace, trace, trace, trace]);
    assert.deepEqual(seen.map((q) => q.get("cupcake_attempt")), ["1", "2", "3", "4"]);
    assert.equal(obs.health, "down");
    assert.equal(obs.failure, "timeout");
    assert.deepEqual(obs.attempts?.map((a) => a.attempt), [1, 2, 3, 4]);
    assert.equal(obs.facts?.url, `${srv.url}/hang?cupcake_trace_id=${trace}&cupcake_attempt=4`);
  });

  test("C-refused-is-timeout: a refused HTTP connection counts as TIMEOUT, so 4 attempts", async () => {
    const m = cupcakeMonitor({ url: `http://127.0.0.1:${await closedPort()}/` });
    const obs = await runCheck(m, { probes });
    assert.equal(obs.attempts?.length, 4);
    assert.equal(obs.failure, "refused");
  });

  test("C-retry-field: retry 2 against a 500 makes exactly 3 requests, no TIMEOUT retries", async () => {
    const m = cupcakeMonitor({ url: `${srv.url}/500`, expected: "^[2]\\d\\d$", retry: 2, appendAttempt: true });
    const before = srv.requests.length;
    const obs = await runCheck(m, { probes });
    const attempts = srv.requests.slice(before).map((r) => new URL(r.url, "http://x").searchParams.get("cupcake_attempt"));
    assert.deepEqual(attempts, ["1", "1", "1"]);
    assert.equal(obs.facts?.statusCode, 500);
  });

  test("retry stops at the first success", async () => {
    const m = cupcakeMonitor({ url: `${srv.url}/ok`, retry: 2 });
    const obs = await runCheck(m, { probes });
    assert.equal(obs.attempts?.length, 1);
    assert.equal(obs.health, "up");
  });

  test("TCP: only a timeout is retried; a refusal is BAD at once", async () => {
    const m = cupcakeMonitor({ url: `tcp://127.0.0.1:${await closedPort()}` });
    const obs = await runCheck(m, { probes });
    assert.equal(obs.attempts?.length, 1);
  });
});

describe("Upbeat's retries", () => {
  test("failed attempts are retried with backoff and each is recorded", async () => {
    let calls = 0;
    const srv = await startHttpServer((_q, res) => void res.writeHead(++calls < 3 ? 503 : 200).end());
    try {
      const m: Monitor = { id: "m", name: "m", kind: "http", groupPath: [], source: { format: "cli" }, check: { type: "http", name: "m", url: `${srv.url}/` }, settings: resolveSettings({ retries: 3, retryDelay: "50ms" }) };
      const t0 = performance.now();
      const obs = await runCheck(m, { probes });
      const elapsed = performance.now() - t0;
      assert.equal(obs.health, "up");
      assert.deepEqual(obs.attempts?.map((a) => [a.attempt, a.health, a.facts.statusCode]), [[1, "down", 503], [2, "down", 503], [3, "up", 200]]);
      assert.ok(elapsed >= 150, `waited 50 + 100 ms between attempts, took ${elapsed}`);
    } finally {
      await srv.close();
    }
  });

  test("the timeout applies per attempt, and shutdown stops the run between attempts", async () => {
    const server = net.createServer(() => undefined).listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as net.AddressInfo).port;
    try {
      const m: Monitor = { id: "m", name: "m", kind: "tcp", groupPath: [], source: { format: "cli" }, check: { type: "tcp", name: "m", url: `tcp://127.0.0.1:${port}`, expect: "hello" }, settings: resolveSettings({ timeout: "100ms", retries: 5, retryDelay: "10s" }) };
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 300);
      const t0 = performance.now();
      const obs = await runCheck(m, { probes, signal: stop.signal });
      assert.equal(obs.attempts?.length, 1);
      assert.equal(obs.failure, "timeout");
      assert.equal(obs.phase, "expect");
      assert.ok(performance.now() - t0 < 1000);
    } finally {
      server.close();
    }
  });

  test("shutdown aborts an HTTP attempt in flight at once, and later runs under it start aborted", async () => {
    const srv = await startHttpServer(() => undefined);
    try {
      const m: Monitor = { id: "m", name: "m", kind: "http", groupPath: [], source: { format: "cli" }, check: { type: "http", name: "m", url: `${srv.url}/` }, settings: resolveSettings({ timeout: "10s" }) };
      const stop = new AbortController();
      setTimeout(() => stop.abort(new Error("shutting down")), 100);
      const t0 = performance.now();
      const obs = await runCheck(m, { probes, signal: stop.signal });
      assert.ok(performance.now() - t0 < 2000, "ended by the shutdown, not the 10 s timeout");
      assert.equal(obs.health, "down");
      assert.equal(obs.phase, "ttfb");
      const t1 = performance.now();
      await runCheck(m, { probes, signal: stop.signal });
      assert.ok(performance.now() - t1 < 500);
    } finally {
      await srv.close();
    }
  });

  test("a long-lived shutdown signal keeps no listener per attempt (no leak in a server)", async () => {
    const srv = await startHttpServer((_q, res) => res.end("ok"));
    try {
      const shutdown = new AbortController();
      const m: Monitor = { id: "m", name: "m", kind: "http", groupPath: [], source: { format: "cli" }, check: { type: "http", name: "m", url: `${srv.url}/` }, settings: resolveSettings({}) };
      for (let i = 0; i < 50; i++) await runCheck(m, { probes, signal: shutdown.signal });
      assert.equal(getEventListeners(shutdown.signal, "abort").length, 1, "one listener for all the attempts under it, not one each");
    } finally {
      await srv.close();
    }
  });

  test("a probe that throws becomes a failed outcome, not a crash", async () => {
    const broken = { http: async () => { throw new Error("bug"); } } as unknown as ProbeRegistry;
    const m: Monitor = { id: "m", name: "m", kind: "http", groupPath: [], source: { format: "cli" }, check: { type: "http", name: "m", url: "http://127.0.0.1:9/" }, settings: resolveSettings({}) };
    const obs = await runCheck(m, { probes: broken });
    assert.equal(obs.health, "down");
    assert.match(obs.reason ?? "", /probe error: bug/);
  });
});
