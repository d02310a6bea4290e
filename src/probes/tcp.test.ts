import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { after, before, describe, test } from "node:test";
import type { TcpCheckInput } from "../config/schema/checks.ts";
import { makeTestPki } from "../../test/helpers/certs.ts";
import { closedPort } from "../../test/helpers/http-server.ts";
import { ctx } from "../../test/helpers/probe-context.ts";
import { tcpProbe } from "./tcp.ts";

const check = (port: number, over: Partial<TcpCheckInput> = {}): TcpCheckInput => ({ type: "tcp", name: "t", url: `tcp://127.0.0.1:${port}`, ...over });

async function listen(server: net.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as net.AddressInfo).port;
}

describe("tcp probe", () => {
  const pki = makeTestPki();
  let echo: net.Server;
  let silent: net.Server;
  let secure: tls.Server;
  let echoPort = 0;
  let silentPort = 0;
  let securePort = 0;
  before(async () => {
    // A line server: greets, then answers PING with PONG.
    echo = net.createServer((s) => {
      s.write("+READY\r\n");
      s.on("data", (d) => (String(d).startsWith("PING") ? s.write("+PONG\r\n") : s.end("-ERR\r\n")));
    });
    silent = net.createServer(() => undefined);
    secure = tls.createServer({ cert: pki.valid.cert, key: pki.valid.key }, (s) => s.end("hello over tls\n"));
    [echoPort, silentPort, securePort] = [await listen(echo), await listen(silent), await listen(secure)];
  });
  after(() => {
    for (const s of [echo, silent, secure]) s.close();
  });

  test("connect only: up, with connect time and remote address", async () => {
    const o = await tcpProbe(check(silentPort), ctx());
    assert.equal(o.health, "up");
    assert.ok(o.timings.connectMs !== undefined);
    assert.equal(o.facts.remoteAddress, `127.0.0.1:${silentPort}`);
  });

  test("send and expect a string", async () => {
    const o = await tcpProbe(check(echoPort, { send: "PING\r\n", expect: "+PONG" }), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.ok(o.timings.ttfbMs !== undefined);
  });

  test("expect a regex; a wrong reply is down with what was received", async () => {
    assert.equal((await tcpProbe(check(echoPort, { expectRegex: "^\\+READY\\r\\n$" }), ctx())).health, "up");
    const o = await tcpProbe(check(echoPort, { send: "HELLO\r\n", expect: "+PONG" }), ctx());
    assert.equal(o.health, "down");
    assert.match(o.reason ?? "", /reply contains "\+PONG": expected present, got ".*-ERR/);
  });

  test("no reply in time: timeout in the expect phase", async () => {
    const o = await tcpProbe(check(silentPort, { expect: "anything" }), ctx(200));
    assert.equal(o.failure, "timeout");
    assert.equal(o.phase, "expect");
  });

  test("closed port: refused in the connect phase", async () => {
    const o = await tcpProbe(check(await closedPort()), ctx());
    assert.equal(o.failure, "refused");
    assert.equal(o.phase, "connect");
  });

  test("TLS: trusted with the CA, certificate facts, expect over TLS", async () => {
    const o = await tcpProbe(check(securePort, { tls: { ca: pki.ca.cert }, expect: "hello over tls" }), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.equal(o.facts.cert?.issuer, "Upbeat Test CA");
    assert.ok(o.timings.tlsMs !== undefined);
    const untrusted = await tcpProbe(check(securePort, { tls: true }), ctx());
    assert.equal(untrusted.health, "down");
    assert.match(untrusted.reason ?? "", /certificate trusted/);
  });
});
