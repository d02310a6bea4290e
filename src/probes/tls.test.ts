import assert from "node:assert/strict";
import net, { type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import type { TlsCheckInput } from "../config/schema/checks.ts";
import type { ProbeOutcome } from "../core/types.ts";
import { type Pem, makeCert, makeTestPki } from "../../test/helpers/certs.ts";
import { startSmtpStartTlsServer } from "../../test/helpers/smtp-starttls-server.ts";
import { tlsProbe } from "./tls.ts";
import type { ProbeContext } from "./types.ts";

interface Running {
  port: number;
  /** Server-side connections still open. */
  open: () => number;
  close: () => Promise<void>;
}

const closers: (() => Promise<void>)[] = [];

/** Starts a server on 127.0.0.1:0 that tracks its connections and is closed after the file. */
async function listen(server: net.Server): Promise<Running> {
  const open = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    open.add(s);
    s.on("close", () => open.delete(s));
    s.on("error", () => {});
  });
  // TLS servers report failed handshakes here; they are expected in these tests.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
  closers.push(close);
  return { port: (server.address() as AddressInfo).port, open: () => open.size, close };
}

function tlsServer(leaf: Pem, extra: tls.TlsOptions = {}): Promise<Running> {
  return listen(tls.createServer({ cert: leaf.cert, key: leaf.key, ...extra }, (s) => s.on("error", () => {})));
}

function ctx(timeoutMs = 5000, thresholds: ProbeContext["thresholds"] = {}): ProbeContext {
  return { signal: AbortSignal.timeout(timeoutMs), timeoutMs, attempt: 1, traceId: "t", thresholds, now: Date.now };
}

function check(port: number, more: Partial<TlsCheckInput> = {}): TlsCheckInput {
  return { type: "tls", name: "tls test", url: `tls://127.0.0.1:${port}`, ...more };
}

/** Waits (briefly) until the server saw every connection closed: the probe must not leave any open. */
async function allClosed(r: { open: () => number }): Promise<void> {
  for (let i = 0; i < 100 && r.open() > 0; i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal(r.open(), 0, "the probe left a connection open");
}

function failedAssertion(o: ProbeOutcome): string[] {
  return o.assertions.filter((x) => !x.ok).map((x) => x.name);
}

let pki: ReturnType<typeof makeTestPki>;

before(() => {
  pki = makeTestPki();
});

after(async () => {
  await Promise.all(closers.map((c) => c()));
});

describe("tls probe: certificates", () => {
  it("is up for a valid certificate trusted through the given CA", async () => {
    const srv = await tlsServer(pki.valid);
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.equal(o.ok, true);
    assert.equal(o.facts.cert?.issuer, "Upbeat Test CA");
    assert.equal(o.facts.cert?.trusted, true);
    assert.ok(o.facts.cert && o.facts.cert.daysLeft >= 39 && o.facts.cert.daysLeft <= 40, `daysLeft ${o.facts.cert?.daysLeft}`);
    assert.equal(o.facts.remoteAddress, "127.0.0.1");
    assert.ok(typeof o.timings.connectMs === "number" && typeof o.timings.tlsMs === "number");
    assert.ok(o.timings.totalMs >= o.timings.tlsMs);
    await allClosed(srv);
  });

  it("is down for a self-signed certificate without a CA, and says it is not trusted", async () => {
    const srv = await tlsServer(pki.selfSigned);
    const o = await tlsProbe(check(srv.port), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "assertion");
    assert.deepEqual(failedAssertion(o), ["certificate trusted"]);
    assert.match(o.reason ?? "", /certificate trusted.*self.signed/i);
    assert.equal(o.facts.cert?.trusted, false);
  });

  it("is up for a self-signed certificate when verification is off", async () => {
    const srv = await tlsServer(pki.selfSigned);
    const o = await tlsProbe(check(srv.port, { tls: { verify: false } }), ctx());
    assert.equal(o.health, "up", o.reason);
  });

  it("trusts a self-signed certificate given as its own CA (20 days left is above the 14-day warning)", async () => {
    const srv = await tlsServer(pki.selfSigned);
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.selfSigned.cert } }), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.equal(o.facts.cert?.trusted, true);
  });

  it("is degraded when the certificate has fewer than 14 days left", async () => {
    const leaf = makeCert({ cn: "localhost", altNames: ["localhost", "127.0.0.1"], issuer: pki.ca, notAfterDays: 5 });
    const srv = await tlsServer(leaf);
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "degraded");
    assert.equal(o.ok, true);
    assert.match(o.reason ?? "", /days left \(warn\).*>= 14 days/);
  });

  it("honours certWarnDays and certMinDays from the thresholds", async () => {
    const srv = await tlsServer(pki.selfSigned);
    const down = await tlsProbe(check(srv.port, { tls: { verify: false } }), ctx(5000, { certMinDays: 30 }));
    assert.equal(down.health, "down");
    assert.deepEqual(failedAssertion(down), ["certificate days left"]);
    const warn = await tlsProbe(check(srv.port, { tls: { verify: false } }), ctx(5000, { certWarnDays: 25 }));
    assert.equal(warn.health, "degraded");
  });

  it("is down for an expired certificate even with verification off", async () => {
    const srv = await tlsServer(pki.expired);
    const o = await tlsProbe(check(srv.port, { tls: { verify: false } }), ctx());
    assert.equal(o.health, "down");
    assert.ok(failedAssertion(o).includes("certificate not expired"));
    assert.ok((o.facts.cert?.daysLeft ?? 0) < 0);
  });

  it("is down for a certificate issued to another host, naming the host-name mismatch", async () => {
    const srv = await tlsServer(pki.wrongHost);
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "down");
    assert.match(o.reason ?? "", /certificate trusted.*does not match certificate's altnames/i);
  });

  it("checks an IP target against the certificate's IP names", async () => {
    const srv = await tlsServer(makeCert({ cn: "127.0.0.1", altNames: ["127.0.0.1"], issuer: pki.ca }));
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "up", o.reason);
  });

  it("sends the servername in SNI and checks the certificate against it", async () => {
    const sni = (name: string, cb: (err: Error | null, c: tls.SecureContext) => void): void => {
      const leaf = name === "localhost" ? pki.valid : pki.wrongHost;
      cb(null, tls.createSecureContext({ cert: leaf.cert, key: leaf.key }));
    };
    const srv = await tlsServer(pki.wrongHost, { SNICallback: sni });
    const plain = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(plain.health, "down", "without SNI the server answers with its default certificate");
    const named = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert, servername: "localhost" } }), ctx());
    assert.equal(named.health, "up", named.reason);
    assert.equal(named.facts.cert?.subject, "localhost");
  });
});

describe("tls probe: client certificates", () => {
  let srv: Running;
  before(async () => {
    srv = await tlsServer(pki.valid, { requestCert: true, rejectUnauthorized: true, ca: pki.ca.cert });
  });

  it("is up when the server accepts the client certificate", async () => {
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key } }), ctx());
    assert.equal(o.health, "up", o.reason);
  });

  it("is down with a TLS failure when the server requires a certificate and none is sent", async () => {
    const o = await tlsProbe(check(srv.port, { tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "tls");
    assert.equal(o.phase, "tls");
    assert.match(o.reason ?? "", /TLS error/);
    await allClosed(srv);
  });
});

describe("tls probe: SMTP STARTTLS", () => {
  it("upgrades after EHLO, judges the certificate, then says QUIT", async () => {
    const smtp = await startSmtpStartTlsServer({ tls: pki.valid });
    closers.push(smtp.close);
    const o = await tlsProbe(check(smtp.port, { starttls: "smtp", tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "up", o.reason);
    assert.equal(o.facts.cert?.issuer, "Upbeat Test CA");
    assert.equal(o.facts.cert?.trusted, true);
    assert.ok(typeof o.timings.tlsMs === "number");
    await allClosed({ open: smtp.openConnections });
    assert.deepEqual(smtp.commands, ["EHLO upbeat.local", "STARTTLS", "QUIT"]);
  });

  it("is down with a protocol failure when STARTTLS is not advertised", async () => {
    const smtp = await startSmtpStartTlsServer({ tls: pki.valid, advertiseStartTls: false });
    closers.push(smtp.close);
    const o = await tlsProbe(check(smtp.port, { starttls: "smtp", tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "protocol");
    assert.equal(o.phase, "starttls");
    assert.match(o.reason ?? "", /does not advertise STARTTLS/);
    assert.deepEqual(smtp.commands, ["EHLO upbeat.local"]);
  });

  it("is down when the server answers STARTTLS with 454", async () => {
    const smtp = await startSmtpStartTlsServer({ tls: pki.valid, refuseStartTls: true });
    closers.push(smtp.close);
    const o = await tlsProbe(check(smtp.port, { starttls: "smtp", tls: { ca: pki.ca.cert } }), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "protocol");
    assert.equal(o.phase, "starttls");
    assert.match(o.reason ?? "", /STARTTLS: expected 220, got 454/);
  });

  it("times out in the starttls phase when the server never greets", async () => {
    const smtp = await startSmtpStartTlsServer({ tls: pki.valid, silent: true });
    closers.push(smtp.close);
    const o = await tlsProbe(check(smtp.port, { starttls: "smtp" }), ctx(300));
    assert.equal(o.health, "down");
    assert.equal(o.failure, "timeout");
    assert.equal(o.phase, "starttls");
    assert.match(o.reason ?? "", /timed out after 300ms during starttls/);
    await allClosed({ open: smtp.openConnections });
  });
});

/** A plain-text server that answers each received line with the next scripted reply. */
function scripted(greeting: string, replies: string[]): Promise<Running> {
  return listen(
    net.createServer((s) => {
      s.write(greeting);
      s.on("data", () => s.write(replies.shift() ?? ""));
    }),
  );
}

describe("tls probe: SMTP replies", () => {
  it("reads multi-line greetings and replies, and rejects data sent after the STARTTLS reply", async () => {
    const srv = await scripted("220-mx.example ESMTP\r\n220-no UCE\r\n220 ready\r\n", [
      "250-mx.example\r\n250-STARTTLS\r\n250 SIZE 1000\r\n",
      "220 go ahead\r\n250 injected\r\n",
    ]);
    const o = await tlsProbe(check(srv.port, { starttls: "smtp" }), ctx());
    assert.equal(o.failure, "protocol");
    assert.equal(o.phase, "starttls");
    assert.match(o.reason ?? "", /data after its STARTTLS reply/);
    await allClosed(srv);
  });

  it("is a protocol failure when the server hangs up or answers garbage", async () => {
    const gone = await listen(net.createServer((s) => s.end("554 go away\r\n")));
    const refused = await tlsProbe(check(gone.port, { starttls: "smtp" }), ctx());
    assert.equal(refused.failure, "protocol");
    assert.match(refused.reason ?? "", /SMTP greeting: expected 220, got 554 go away/);
    const junk = await scripted("HTTP/1.1 400 Bad Request\r\n\r\n", []);
    const garbled = await tlsProbe(check(junk.port, { starttls: "smtp" }), ctx());
    assert.equal(garbled.failure, "protocol");
    assert.match(garbled.reason ?? "", /malformed SMTP reply line: HTTP\/1\.1 400/);
  });
});

describe("tls probe: connection failures", () => {
  it("times out in the tls phase when the server never completes the handshake", async () => {
    // Reads (and ignores) the client hello, so that it notices when the probe hangs up.
    const srv = await listen(net.createServer((s) => s.resume()));
    const o = await tlsProbe(check(srv.port), ctx(300));
    assert.equal(o.health, "down");
    assert.equal(o.failure, "timeout");
    assert.equal(o.phase, "tls");
    assert.ok(typeof o.timings.connectMs === "number");
    await allClosed(srv);
  });

  it("is refused in the connect phase on a closed port", async () => {
    const srv = await listen(net.createServer());
    await srv.close();
    const o = await tlsProbe(check(srv.port), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "refused");
    assert.equal(o.phase, "connect");
  });

  it("fails with a TLS failure when the port speaks something else", async () => {
    const srv = await listen(net.createServer((s) => s.end("SSH-2.0-OpenSSH_9.6\r\n")));
    const o = await tlsProbe(check(srv.port), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.failure, "tls");
    assert.equal(o.phase, "tls");
  });

  it("reports an invalid url as a setup error without connecting", async () => {
    const o = await tlsProbe(check(0, { url: "tls://" }), ctx());
    assert.equal(o.health, "down");
    assert.equal(o.phase, "setup");
    assert.equal(o.failure, "error");
  });
});
