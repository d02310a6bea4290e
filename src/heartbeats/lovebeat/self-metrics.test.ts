/** Lovebeat's own statsd metrics, received by a real UDP socket on loopback. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../../test/helpers/wait.ts";
import { parseHostPort, serviceStateGauge, StatsdSink } from "./self-metrics.ts";

const receiver = createSocket("udp4");
const datagrams: string[] = [];
let server: string;

before(async () => {
  receiver.on("message", (m) => datagrams.push(m.toString("utf8")));
  receiver.bind(0, "127.0.0.1");
  await once(receiver, "listening");
  server = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(() => receiver.close());

describe("parseHostPort", () => {
  test("host:port, [v6]:port and an empty host", () => {
    assert.deepEqual(parseHostPort("statsd.example.com:8125", "m"), { host: "statsd.example.com", port: 8125 });
    assert.deepEqual(parseHostPort("10.0.0.1:1", "m"), { host: "10.0.0.1", port: 1 });
    assert.deepEqual(parseHostPort("[::1]:8125", "m"), { host: "::1", port: 8125 });
    assert.deepEqual(parseHostPort(":8125", "m"), { host: "127.0.0.1", port: 8125 });
  });

  test("bad input throws an error naming what and the value", () => {
    for (const bad of ["statsd", "statsd:", "statsd:0", "statsd:65536", "::1:8125", "[nope]:1", "a b:1", "host:12x", ""]) {
      assert.throws(() => parseHostPort(bad, "[metrics] server"), (e: Error) => e.message.startsWith("[metrics] server: ") && e.message.includes(JSON.stringify(bad)), bad);
    }
  });
});

test("serviceStateGauge: new 0, ok 1, error 2, muted 3", () => {
  assert.deepEqual((["new", "ok", "error", "muted"] as const).map(serviceStateGauge), [0, 1, 2, 3]);
});

describe("StatsdSink", () => {
  test("counters and gauges share one datagram on flush()", async () => {
    datagrams.length = 0;
    const sink = new StatsdSink({ server, flushMs: 10_000 });
    sink.count("started.count");
    sink.count("db.save.count", 2);
    sink.gauge("service.state.app.db", serviceStateGauge("error"));
    await sink.flush();
    await waitFor("a datagram", () => datagrams.length === 1);
    assert.equal(datagrams[0], "lovebeat.started.count:1|c\nlovebeat.db.save.count:2|c\nlovebeat.service.state.app.db:2|g\n");
    await sink.close();
  });

  test("metrics leave on their own within the flush delay, with the configured prefix", async () => {
    datagrams.length = 0;
    const sink = new StatsdSink({ server: parseHostPort(server, "m"), prefix: "lb", flushMs: 20 });
    sink.gauge("db.save.duration", 17);
    await waitFor("the timed flush", () => datagrams.length === 1, 2000);
    assert.equal(datagrams[0], "lb.db.save.duration:17|g\n");
    await sink.close();
  });

  test("datagrams stay within 512 bytes and keep every line in order", async () => {
    datagrams.length = 0;
    const sink = new StatsdSink({ server, flushMs: 10_000 });
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `service.state.some.rather.long.service.name.${i}`;
      sink.gauge(name, i % 4);
      expected.push(`lovebeat.${name}:${i % 4}|g`);
    }
    await sink.close();
    await waitFor("every line", () => datagrams.join("").split("\n").length - 1 === 40);
    assert.ok(datagrams.length > 1);
    for (const d of datagrams) assert.ok(Buffer.byteLength(d) <= 512, `${Buffer.byteLength(d)} bytes`);
    assert.deepEqual(datagrams.join("").split("\n").slice(0, -1), expected);
  });

  test("a resolution failure is counted and reported, never thrown; the next flush resolves again", async () => {
    datagrams.length = 0;
    const errors: Error[] = [];
    let calls = 0;
    const sink = new StatsdSink({
      server: `metrics.internal:${server.split(":")[1]}`,
      onError: (e) => errors.push(e),
      resolve: async () => {
        if (++calls === 1) throw new Error("ENOTFOUND metrics.internal");
        return { address: "127.0.0.1", family: 4 };
      },
    });
    sink.count("started.count");
    await sink.flush();
    assert.equal(sink.errors, 1);
    assert.match(errors[0]?.message ?? "", /ENOTFOUND/);
    sink.count("started.count");
    await sink.flush();
    await waitFor("the second datagram", () => datagrams.length === 1);
    assert.equal(datagrams[0], "lovebeat.started.count:1|c\n");
    assert.equal(sink.sent, 1);
    await sink.close();
  });

  test("metrics after close() are ignored", async () => {
    const sink = new StatsdSink({ server });
    await sink.close();
    assert.doesNotThrow(() => sink.count("x"));
    await sink.flush();
    assert.equal(sink.sent, 0);
  });
});
