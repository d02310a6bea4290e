import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { HttpCheckInput } from "../config/schema/checks.ts";
import { makeTestPki } from "../../test/helpers/certs.ts";
import { closedPort, startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { ctx } from "../../test/helpers/probe-context.ts";
import { attemptUrl, httpProbe } from "./http.ts";

const check = (url: string, over: Partial<HttpCheckInput> = {}): HttpCheckInput => ({ type: "http", name: "t", url, ...over });
const pki = makeTestPki();

describe("http probe against a plain HTTP server", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startHttpServer((req, res, body) => {
      const u = new URL(req.url ?? "/", "http://x");
      const p = u.pathname;
      if (p === "/ok") return void res.end("all good");
      if (p === "/json") return void res.setHeader("content-type", "application/json").end(JSON.stringify({ db: "up", items: [1, 2, 3], n: 7 }));
      if (p === "/status") return void res.writeHead(Number(u.searchParams.get("code"))).end(`status ${u.searchParams.get("code")}`);
      if (p === "/echo") return void res.writeHead(200, { "x-method": req.method ?? "" }).end(body);
      if (p === "/redirect") return void res.writeHead(302, { location: `/redirect2` }).end();
      if (p === "/redirect2") return void res.writeHead(301, { location: `/ok` }).end();
      if (p === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
      if (p === "/slow-headers") return void setTimeout(() => res.end("late"), 1500);
      if (p === "/slow-body") {
        res.writeHead(200);
        res.write("part");
        return void setTimeout(() => res.end("rest"), 1500);
      }
      if (p === "/delay") return void setTimeout(() => res.end("ok"), Number(u.searchParams.get("ms")));
      if (p === "/big") return void res.end("x".repeat(200_000));
      res.writeHead(404).end("nope");
    });
  });
  after(() => srv.close());

  test("2xx is up by default, with timings per phase and the final URL", async () => {
    const o = await httpProbe(check(`${srv.url}/ok`), ctx());
    assert.equal(o.health, "up");
    assert.equal(o.facts.statusCode, 200);
    assert.ok(o.timings.connectMs !== undefined && o.timings.ttfbMs !== undefined && o.timings.transferMs !== undefined);
    assert.ok(o.timings.totalMs >= (o.timings.connectMs ?? 0));
    assert.equal(o.facts.url, `${srv.url}/ok`);
  });

  test("a status outside the list is down, naming expected and actual; the body is kept", async () => {
    const o = await httpProbe(check(`${srv.url}/status?code=503`), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "assertion");
    assert.match(o.reason ?? "", /status: expected 2xx, got 503/);
    assert.equal(o.facts.bodyExcerpt, "status 503");
  });

  test("status lists accept codes, classes and ranges", async () => {
    for (const [code, status, health] of [[404, [404], "up"], [302, ["3xx"], "up"], [418, ["400-417"], "down"], [418, ["400-418", 200], "up"]] as const) {
      const o = await httpProbe(check(`${srv.url}/status?code=${code}`, { followRedirects: false, expect: { status: [...status] } }), ctx());
      assert.equal(o.health, health, `${code} against ${status.join(",")}`);
    }
  });

  test("Cupcake's status regex is matched at the start only", async () => {
    assert.equal((await httpProbe(check(`${srv.url}/status?code=204`, { expect: { statusRegex: "2" } }), ctx())).health, "up");
    assert.equal((await httpProbe(check(`${srv.url}/status?code=500`, { expect: { statusRegex: "" } }), ctx())).health, "up");
    assert.equal((await httpProbe(check(`${srv.url}/status?code=500`, { expect: { statusRegex: "^[2]\\d\\d$" } }), ctx())).health, "down");
    assert.equal((await httpProbe(check(`${srv.url}/status?code=120`, { expect: { statusRegex: "20" } }), ctx())).health, "down");
  });

  test("redirects are followed up to the limit, or not at all", async () => {
    const followed = await httpProbe(check(`${srv.url}/redirect`), ctx());
    assert.equal(followed.health, "up");
    assert.deepEqual(followed.facts.redirects, [`${srv.url}/redirect2`, `${srv.url}/ok`]);
    const notFollowed = await httpProbe(check(`${srv.url}/redirect`, { followRedirects: false }), ctx());
    assert.equal(notFollowed.facts.statusCode, 302);
    assert.equal(notFollowed.health, "down");
    const limited = await httpProbe(check(`${srv.url}/redirect`, { maxRedirects: 1 }), ctx());
    assert.equal(limited.health, "down");
    assert.equal(limited.facts.statusCode, 301);
    const loop = await httpProbe(check(`${srv.url}/loop`, { maxRedirects: 3 }), ctx());
    assert.equal(loop.health, "down");
    assert.ok(loop.assertions.some((a) => a.name === "redirects" && !a.ok));
  });

  test("method, headers, body and query are sent as configured", async () => {
    const o = await httpProbe(check(`${srv.url}/echo?a=1`, { method: "POST", body: "payload", headers: { "X-Token": "s3" }, query: { b: "two words" }, expect: { bodyContains: "payload" } }), ctx());
    assert.equal(o.health, "up");
    const seen = srv.requests.at(-1);
    assert.equal(seen?.method, "POST");
    assert.equal(seen?.url, "/echo?a=1&b=two%20words");
    assert.equal(seen?.headers["x-token"], "s3");
    assert.match(String(seen?.headers["user-agent"]), /^Upbeat\//);
  });

  test("body contains / not contains / matches / not matches", async () => {
    const url = `${srv.url}/ok`;
    assert.equal((await httpProbe(check(url, { expect: { bodyContains: ["all", "good"] } }), ctx())).health, "up");
    assert.equal((await httpProbe(check(url, { expect: { bodyContains: "bad" } }), ctx())).health, "down");
    assert.equal((await httpProbe(check(url, { expect: { bodyNotContains: "good" } }), ctx())).health, "down");
    assert.equal((await httpProbe(check(url, { expect: { bodyMatches: "^all\\s+go" } }), ctx())).health, "up");
    const o = await httpProbe(check(url, { expect: { bodyNotMatches: "go+d" } }), ctx());
    assert.equal(o.health, "down");
    assert.match(o.reason ?? "", /matched "good"/);
  });

  test("JSON assertions report the actual value; degraded severity degrades", async () => {
    const url = `${srv.url}/json`;
    const up = await httpProbe(check(url, { expect: { json: [{ path: "$.db", value: "up" }, { path: "$.items.length", op: ">=", value: 3 }, { path: "items[1]", value: 2 }, { path: "$.missing", op: "not-exists" }] } }), ctx());
    assert.equal(up.health, "up", up.reason);
    const down = await httpProbe(check(url, { expect: { json: [{ path: "$.n", op: "<", value: 5 }] } }), ctx());
    assert.equal(down.health, "down");
    assert.match(down.reason ?? "", /json \$\.n: expected < 5, got 7/);
    const degraded = await httpProbe(check(url, { expect: { json: [{ path: "$.db", value: "down", severity: "degraded" }] } }), ctx());
    assert.equal(degraded.health, "degraded");
    const notJson = await httpProbe(check(`${srv.url}/ok`, { expect: { json: [{ path: "$.a", op: "exists" }] } }), ctx());
    assert.match(notJson.reason ?? "", /body is not JSON/);
  });

  test("header assertions", async () => {
    const url = `${srv.url}/json`;
    assert.equal((await httpProbe(check(url, { expect: { headers: [{ name: "Content-Type", op: "contains", value: "json" }] } }), ctx())).health, "up");
    const o = await httpProbe(check(url, { expect: { headers: [{ name: "x-absent", op: "exists" }] } }), ctx());
    assert.equal(o.health, "down");
    assert.match(o.reason ?? "", /header x-absent: expected exists, got \(absent\)/);
  });

  test("response-time bounds: max and min are down, degradedAbove is degraded", async () => {
    const slow = `${srv.url}/delay?ms=250`;
    const max = await httpProbe(check(slow), ctx(2000, { thresholds: { maxMs: 100 } }));
    assert.equal(max.health, "down");
    assert.match(max.reason ?? "", /response time max: expected <= 100ms, got 2\d\dms/);
    assert.equal((await httpProbe(check(slow), ctx(2000, { thresholds: { degradedAboveMs: 100 } }))).health, "degraded");
    assert.equal((await httpProbe(check(`${srv.url}/ok`), ctx(2000, { thresholds: { minMs: 200 } }))).health, "down");
  });

  test("a timeout reports the phase it happened in", async () => {
    const headers = await httpProbe(check(`${srv.url}/slow-headers`), ctx(300));
    assert.equal(headers.failure, "timeout");
    assert.equal(headers.phase, "ttfb");
    assert.ok(headers.timings.totalMs < 1000);
    const body = await httpProbe(check(`${srv.url}/slow-body`), ctx(300));
    assert.equal(body.failure, "timeout");
    assert.equal(body.phase, "transfer");
  });

  test("a closed port is refused in the connect phase", async () => {
    const o = await httpProbe(check(`http://127.0.0.1:${await closedPort()}/`), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "refused");
    assert.equal(o.phase, "connect");
  });

  test("a host name is resolved first, with its own timing", async () => {
    const o = await httpProbe(check(`http://localhost:${srv.port}/ok`), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.ok(o.timings.dnsMs !== undefined && o.timings.dnsMs >= 0);
  });

  test("a name that does not resolve fails in the dns phase", async () => {
    const o = await httpProbe(check("http://upbeat-test.invalid/"), ctx());
    assert.equal(o.failure, "dns");
    assert.equal(o.phase, "dns");
  });

  test("the body is read up to the limit only", async () => {
    const o = await httpProbe(check(`${srv.url}/big`, { bodyLimitBytes: 1000, expect: { bodyContains: "y" } }), ctx());
    assert.equal(o.health, "down");
    assert.ok((o.facts.bodyExcerpt ?? "").length <= 1000);
  });

  test("Cupcake's trace id and attempt arguments, appended in its order", () => {
    const c = check("http://h:1/p?x=1#frag", { traceId: true, attemptArg: true });
    assert.equal(attemptUrl(c, { attempt: 3, traceId: "abc" }), "http://h:1/p?x=1&cupcake_trace_id=abc&cupcake_attempt=3");
    assert.equal(attemptUrl(check("http://h:1/p", { traceId: "tid" }), { attempt: 1, traceId: "u" }), "http://h:1/p?tid=u");
  });

  test("credentials are not sent on to another origin when redirected", async () => {
    const other = await startHttpServer((_q, res) => res.end("other"));
    const hop = await startHttpServer((_q, res) => res.writeHead(302, { location: `${other.url}/x` }).end());
    try {
      const o = await httpProbe(check(`${hop.url}/`, { headers: { Authorization: "Bearer secret", "X-Keep": "1" } }), ctx());
      assert.equal(o.health, "up");
      assert.equal(hop.requests[0]?.headers.authorization, "Bearer secret");
      assert.equal(other.requests[0]?.headers.authorization, undefined);
      assert.equal(other.requests[0]?.headers["x-keep"], "1");
    } finally {
      await other.close();
      await hop.close();
    }
  });
});

describe("http probe against HTTPS servers", () => {
  const servers: TestServer[] = [];
  const serve = async (pem: { cert: string; key: string }, extra = {}) => {
    const s = await startHttpServer((_q, res) => res.end("secure"), { cert: pem.cert, key: pem.key, ...extra });
    servers.push(s);
    return s;
  };
  after(async () => Promise.all(servers.map((s) => s.close())));

  test("a valid certificate from a given CA: up, with TLS timing and certificate facts", async () => {
    const s = await serve(pki.valid);
    const o = await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.ok(o.timings.tlsMs !== undefined);
    assert.equal(o.facts.cert?.issuer, "Upbeat Test CA");
    assert.equal(o.facts.cert?.subject, "localhost");
    assert.ok((o.facts.cert?.daysLeft ?? 0) >= 38 && (o.facts.cert?.daysLeft ?? 0) <= 40);
  });

  test("certificate day bounds: warn degrades, min is down", async () => {
    const s = await serve(pki.valid);
    assert.equal((await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert } }), ctx(2000, { thresholds: { certWarnDays: 60 } }))).health, "degraded");
    assert.equal((await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert } }), ctx(2000, { thresholds: { certMinDays: 60 } }))).health, "down");
  });

  test("self-signed: down without its CA and never sent the request; up with it as CA or with verify off", async () => {
    const s = await serve(pki.selfSigned);
    const before = s.requests.length;
    const untrusted = await httpProbe(check(`${s.url}/`, { headers: { authorization: "secret" } }), ctx());
    assert.equal(untrusted.health, "down");
    assert.equal(untrusted.failure, "tls");
    assert.equal(untrusted.phase, "tls");
    assert.equal(untrusted.facts.cert?.trusted, false);
    assert.equal(s.requests.length, before, "no request reaches an untrusted server");
    assert.equal((await httpProbe(check(`${s.url}/`, { tls: { ca: pki.selfSigned.cert } }), ctx())).health, "up");
    assert.equal((await httpProbe(check(`${s.url}/`, { tls: { verify: false } }), ctx())).health, "up");
  });

  test("expired: down in the tls phase, days left negative", async () => {
    const s = await serve(pki.expired);
    const o = await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.phase, "tls");
    assert.match(o.reason ?? "", /expired/i);
    assert.ok((o.facts.cert?.daysLeft ?? 0) < 0);
  });

  test("wrong host: down with the host-name reason; servername picks the right name", async () => {
    const s = await serve(pki.wrongHost);
    const o = await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "down");
    assert.match(o.reason ?? "", /other\.example|altnames|Host/i);
    assert.equal((await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert, servername: "other.example" } }), ctx())).health, "up");
  });

  test("client certificate: accepted when given, refused when not", async () => {
    const s = await serve(pki.valid, { requestCert: true, rejectUnauthorized: true, ca: pki.ca.cert });
    const withCert = await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key } }), ctx());
    assert.equal(withCert.health, "up", withCert.reason);
    const without = await httpProbe(check(`${s.url}/`, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(without.health, "down");
  });
});
