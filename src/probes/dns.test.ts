import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, before, describe, it } from "node:test";
import type { DnsCheckInput } from "../config/schema/checks.ts";
import { type DnsServer, type Zone, startDnsServer } from "../../test/helpers/dns-server.ts";
import { comparable, parseResolver } from "./dns-records.ts";
import { dnsProbe } from "./dns.ts";
import type { ProbeContext } from "./types.ts";

const ZONE: Zone = {
  "a.test": {
    answers: {
      A: [
        { name: "a.test", type: "A", ttl: 60, data: "192.0.2.1" },
        { name: "a.test", type: "A", ttl: 60, data: "192.0.2.2" },
      ],
      AAAA: [{ name: "a.test", type: "AAAA", ttl: 60, data: "2001:db8::1" }],
    },
  },
  "mail.test": {
    answers: {
      MX: [{ name: "mail.test", type: "MX", ttl: 300, data: { preference: 10, exchange: "mx1.mail.test" } }],
      TXT: [{ name: "mail.test", type: "TXT", ttl: 300, data: ["v=spf1 ", "-all"] }],
      NS: [{ name: "mail.test", type: "NS", ttl: 300, data: "ns1.test" }],
      SOA: [{ name: "mail.test", type: "SOA", ttl: 300, data: { mname: "ns1.test", rname: "hostmaster.test", serial: 2024010101, refresh: 3600, retry: 600, expire: 86400, minimum: 300 } }],
      CAA: [{ name: "mail.test", type: "CAA", ttl: 300, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } }],
    },
  },
  "_sip._tcp.test": { answers: { SRV: [{ name: "_sip._tcp.test", type: "SRV", ttl: 30, data: { priority: 10, weight: 5, port: 5060, target: "sip.test" } }] } },
  "www.test": { answers: { CNAME: [{ name: "www.test", type: "CNAME", ttl: 30, data: "a.test" }] } },
  "1.2.0.192.in-addr.arpa": { answers: { PTR: [{ name: "1.2.0.192.in-addr.arpa", type: "PTR", ttl: 30, data: "a.test" }] } },
  "fail.test": { rcode: "SERVFAIL" },
  "refused.test": { rcode: "REFUSED" },
  "silent.test": { silent: true },
  "slow.test": { delayMs: 150, answers: { A: [{ name: "slow.test", type: "A", ttl: 1, data: "192.0.2.7" }] } },
  "wrongid.test": { wrongIdFirst: true, answers: { A: [{ name: "wrongid.test", type: "A", ttl: 1, data: "192.0.2.8" }] } },
  "big.test": { truncateUdp: true, answers: { A: [{ name: "big.test", type: "A", ttl: 1, data: "192.0.2.9" }] } },
  "garbage.test": { garbage: true },
};

function ctx(ms = 2000, thresholds: ProbeContext["thresholds"] = {}): ProbeContext {
  return { signal: AbortSignal.timeout(ms), timeoutMs: ms, attempt: 1, traceId: "t", thresholds, now: Date.now };
}

/**
 * Open handles of one kind (`UDPWrap`, `TCPSocketWrap`), to prove a probe leaves none behind.
 * Counted after a short pause because a closed handle is listed until its close callback has run.
 */
async function openHandles(kind: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 30));
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

/** A port that was just free: bound then released. */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("dns probe", () => {
  let server: DnsServer;
  let check: (over: Partial<DnsCheckInput>) => DnsCheckInput;
  before(async () => {
    server = await startDnsServer(ZONE);
    check = (over) => ({ type: "dns", name: "t", query: "a.test", resolver: `127.0.0.1:${server.port}`, ...over });
  });
  after(() => server.close());

  it("finds A records over UDP, with facts and timings", async () => {
    const out = await dnsProbe(check({ records: ["192.0.2.2"] }), ctx());
    assert.equal(out.health, "up", out.reason);
    assert.equal(out.facts.rcode, "NOERROR");
    assert.equal(out.facts.remoteAddress, `127.0.0.1:${server.port}`);
    assert.deepEqual(out.facts.records, [
      { type: "A", name: "a.test", ttl: 60, data: "192.0.2.1" },
      { type: "A", name: "a.test", ttl: 60, data: "192.0.2.2" },
    ]);
    assert.ok(out.timings.ttfbMs !== undefined && out.timings.ttfbMs <= out.timings.totalMs);
    assert.equal(out.timings.connectMs, undefined);
    const q = server.queries.at(-1);
    assert.deepEqual({ ...q, id: 0 }, { transport: "udp", id: 0, name: "a.test", type: "A", recursionDesired: true });
  });

  it("finds AAAA records, matching an expanded IPv6 spelling", async () => {
    const out = await dnsProbe(check({ recordType: "AAAA", records: ["2001:DB8:0:0::1"] }), ctx());
    assert.equal(out.health, "up", out.reason);
    assert.equal(out.facts.records?.[0]?.data, "2001:db8::1");
  });

  it("normalises MX, TXT, SRV, SOA, CNAME, NS, PTR and CAA data to text", async () => {
    const cases: Array<[DnsCheckInput["recordType"], string, string]> = [
      ["MX", "mail.test", "10 mx1.mail.test"],
      ["TXT", "mail.test", "v=spf1 -all"],
      ["SRV", "_sip._tcp.test", "10 5 5060 sip.test"],
      ["SOA", "mail.test", "ns1.test hostmaster.test 2024010101 3600 600 86400 300"],
      ["CNAME", "www.test", "a.test"],
      ["NS", "mail.test", "ns1.test"],
      ["PTR", "1.2.0.192.in-addr.arpa", "a.test"],
      ["CAA", "mail.test", "0 issue letsencrypt.org"],
    ];
    for (const [recordType, query, data] of cases) {
      const out = await dnsProbe(check({ query, recordType, records: [data] }), ctx());
      assert.equal(out.health, "up", `${recordType}: ${out.reason}`);
      assert.deepEqual(out.facts.records?.map((r) => [r.type, r.data]), [[recordType, data]]);
    }
  });

  it("compares expected records case-insensitively, ignoring a trailing dot and extra spaces", async () => {
    const out = await dnsProbe(check({ query: "mail.test", recordType: "MX", records: ["10   MX1.Mail.Test."] }), ctx());
    assert.equal(out.health, "up", out.reason);
    assert.equal(comparable(" 10  MX1.example.COM. "), "10 mx1.example.com");
  });

  it("is down when an expected record is missing, showing the actual answers", async () => {
    const out = await dnsProbe(check({ records: ["192.0.2.1", "192.0.2.99"] }), ctx());
    assert.equal(out.health, "down");
    assert.equal(out.phase, "assert");
    assert.equal(out.failure, "assertion");
    assert.equal(out.reason, "A 192.0.2.99: expected among the answers, got 192.0.2.1, 192.0.2.2");
    assert.deepEqual(out.assertions.map((a) => [a.name, a.ok]), [["rcode", true], ["A 192.0.2.1", true], ["A 192.0.2.99", false]]);
  });

  it("says so when there are no answers of the asked type", async () => {
    const out = await dnsProbe(check({ query: "www.test", records: ["192.0.2.1"] }), ctx());
    assert.equal(out.reason, "A 192.0.2.1: expected among the answers, got no A answers");
  });

  it("checks exactRecords as a set", async () => {
    const same = await dnsProbe(check({ records: ["192.0.2.2", "192.0.2.1"], exactRecords: true }), ctx());
    assert.equal(same.health, "up", same.reason);
    const more = await dnsProbe(check({ records: ["192.0.2.1"], exactRecords: true }), ctx());
    assert.equal(more.health, "down");
    assert.equal(more.reason, "A records exactly: expected 192.0.2.1, got 192.0.2.1, 192.0.2.2");
  });

  it("is up on NXDOMAIN when NXDOMAIN is expected, down otherwise", async () => {
    const expected = await dnsProbe(check({ query: "nope.test", rcode: "NXDOMAIN" }), ctx());
    assert.equal(expected.health, "up", expected.reason);
    assert.equal(expected.facts.rcode, "NXDOMAIN");
    const unexpected = await dnsProbe(check({ query: "nope.test" }), ctx());
    assert.equal(unexpected.health, "down");
    assert.equal(unexpected.failure, "assertion");
    assert.equal(unexpected.reason, "rcode: expected NOERROR, got NXDOMAIN");
  });

  it("is down on SERVFAIL and up on an expected REFUSED", async () => {
    const fail = await dnsProbe(check({ query: "fail.test" }), ctx());
    assert.equal(fail.health, "down");
    assert.equal(fail.reason, "rcode: expected NOERROR, got SERVFAIL");
    const refused = await dnsProbe(check({ query: "refused.test", rcode: "REFUSED" }), ctx());
    assert.equal(refused.health, "up", refused.reason);
  });

  it("queries over TCP when asked, timing the connect", async () => {
    const out = await dnsProbe(check({ transport: "tcp", records: ["192.0.2.1"] }), ctx());
    assert.equal(out.health, "up", out.reason);
    assert.ok(out.timings.connectMs !== undefined);
    assert.equal(server.queries.at(-1)?.transport, "tcp");
  });

  it("retries a truncated UDP answer over TCP", async () => {
    const before = server.queries.length;
    const out = await dnsProbe(check({ query: "big.test", records: ["192.0.2.9"], exactRecords: true }), ctx());
    assert.equal(out.health, "up", out.reason);
    const asked = server.queries.slice(before);
    assert.deepEqual(asked.map((q) => q.transport), ["udp", "tcp"]);
    assert.equal(asked[0]?.id, asked[1]?.id);
  });

  it("times out in the query phase against a silent server, promptly and without leaks", async () => {
    const open = await openHandles("UDPWrap");
    const t0 = performance.now();
    const out = await dnsProbe(check({ query: "silent.test" }), ctx(300));
    const elapsed = performance.now() - t0;
    assert.equal(out.health, "down");
    assert.equal(out.failure, "timeout");
    assert.equal(out.phase, "query");
    assert.equal(out.reason, "timed out after 300ms during query");
    assert.ok(elapsed < 1000, `took ${elapsed}ms`);
    assert.equal(await openHandles("UDPWrap"), open);
  });

  it("times out in the query phase over TCP too", async () => {
    const out = await dnsProbe(check({ query: "silent.test", transport: "tcp" }), ctx(300));
    assert.equal(out.failure, "timeout");
    assert.equal(out.phase, "query");
    assert.ok(out.timings.totalMs < 1000);
    // Both ends of the connection are gone once the server has seen the client close.
    assert.equal(await openHandles("TCPSocketWrap"), 0);
  });

  it("reports the connect phase when a TCP attempt is aborted before connecting", async () => {
    const ac = new AbortController();
    ac.abort();
    const out = await dnsProbe(check({ transport: "tcp" }), { ...ctx(), signal: ac.signal, timeoutMs: 0 });
    assert.equal(out.failure, "timeout");
    assert.equal(out.phase, "connect");
  });

  it("ignores a UDP reply with the wrong id and takes the right one", async () => {
    const out = await dnsProbe(check({ query: "wrongid.test", records: ["192.0.2.8"] }), ctx());
    assert.equal(out.health, "up", out.reason);
  });

  it("treats an undecodable reply as a protocol failure", async () => {
    for (const transport of ["udp", "tcp"] as const) {
      const out = await dnsProbe(check({ query: "garbage.test", transport }), ctx());
      assert.equal(out.health, "down");
      assert.equal(out.failure, "protocol", out.reason);
      assert.equal(out.phase, "query");
    }
  });

  it("judges the response time against the thresholds", async () => {
    const out = await dnsProbe(check({ query: "slow.test" }), ctx(2000, { maxMs: 50 }));
    assert.equal(out.health, "down");
    assert.match(out.reason ?? "", /^response time max: expected <= 50ms, got \d+ms$/);
    assert.ok((out.timings.ttfbMs ?? 0) >= 140);
  });

  it("is down quickly against a closed UDP port", async () => {
    const port = await freeUdpPort();
    const open = await openHandles("UDPWrap");
    const t0 = performance.now();
    const out = await dnsProbe(check({ resolver: `127.0.0.1:${port}` }), ctx(1000));
    assert.equal(out.health, "down");
    assert.ok(out.failure === "refused" || out.failure === "timeout", out.reason);
    assert.ok(performance.now() - t0 < 1500);
    assert.equal(await openHandles("UDPWrap"), open);
  });

  it("is refused in the connect phase against a closed TCP port", async () => {
    const port = await freeUdpPort();
    const out = await dnsProbe(check({ resolver: `127.0.0.1:${port}`, transport: "tcp" }), ctx(1000));
    assert.equal(out.failure, "refused", out.reason);
    assert.equal(out.phase, "connect");
  });

  it("fails setup on an unusable resolver", async () => {
    const out = await dnsProbe(check({ resolver: "127.0.0.1:99999" }), ctx());
    assert.equal(out.phase, "setup");
    assert.equal(out.reason, 'resolver "127.0.0.1:99999" has an invalid port');
  });
});

describe("resolver parsing", () => {
  it("reads host, host:port, [v6], [v6]:port and bare IPv6", () => {
    assert.deepEqual(parseResolver("192.0.2.53"), { host: "192.0.2.53", port: 53, label: "192.0.2.53:53" });
    assert.deepEqual(parseResolver("dns.test:5353"), { host: "dns.test", port: 5353, label: "dns.test:5353" });
    assert.deepEqual(parseResolver("[::1]:5353"), { host: "::1", port: 5353, label: "[::1]:5353" });
    assert.deepEqual(parseResolver("[2001:db8::53]"), { host: "2001:db8::53", port: 53, label: "[2001:db8::53]:53" });
    assert.deepEqual(parseResolver("2001:db8::53"), { host: "2001:db8::53", port: 53, label: "[2001:db8::53]:53" });
    assert.ok("error" in parseResolver(":53"));
    assert.ok("error" in parseResolver("host:0"));
    assert.ok("error" in parseResolver("host:x"));
  });

  it("queries a resolver given as [::1]:port", async (t) => {
    let s: DnsServer;
    try {
      s = await startDnsServer(ZONE, "::1");
    } catch (err) {
      t.skip(`IPv6 loopback unavailable: ${String(err)}`);
      return;
    }
    try {
      const check: DnsCheckInput = { type: "dns", name: "t", query: "a.test", resolver: `[::1]:${s.port}`, records: ["192.0.2.1"] };
      const out = await dnsProbe(check, ctx());
      assert.equal(out.health, "up", out.reason);
      assert.equal(out.facts.remoteAddress, `[::1]:${s.port}`);
      const tcp = await dnsProbe({ ...check, transport: "tcp" }, ctx());
      assert.equal(tcp.health, "up", tcp.reason);
    } finally {
      await s.close();
    }
  });
});
