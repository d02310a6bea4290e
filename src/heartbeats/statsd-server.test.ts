/** The statsd listeners with real UDP and TCP sockets on loopback. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import { quietLog } from "../../test/helpers/engine.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import type { LovebeatCommand } from "./lovebeat/statsd-line.ts";
import { type StatsdListeners, startStatsd } from "./statsd-server.ts";

let server: StatsdListeners;
const got: LovebeatCommand[] = [];
const udp = createSocket("udp4");

before(async () => {
  server = await startStatsd({ host: "127.0.0.1", port: 0, log: quietLog, onCommands: (c) => got.push(...c), maxDatagramBytes: 1024, maxLineBytes: 256 });
});
after(async () => {
  udp.close();
  await server.close();
});

const send = (data: string | Buffer) => new Promise<void>((resolve, reject) => udp.send(data, server.port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));

test("UDP: several lines per datagram, metric types, sample rates and a trailing \\r are accepted", async () => {
  got.length = 0;
  await send("app.db.beat:1|c\nweb.timeout:60|g\r\nbatch.autobeat:0|ms|@0.5\n");
  await waitFor("three commands", () => got.length === 3);
  assert.deepEqual(got, [
    { service: "app.db", action: "beat", valueMs: 1000 },
    { service: "web", action: "timeout", valueMs: 60_000 },
    { service: "batch", action: "autobeat", valueMs: 0 },
  ]);
});

test("UDP: bad lines, oversized datagrams and invalid UTF-8 are counted and the listener keeps going", async () => {
  got.length = 0;
  const before = structuredClone(server.counters.rejected);
  await send("Upper.beat:1|c\nok.beat:1|c\nnot a line\n");
  await send(Buffer.alloc(2000, 0x61));
  await send(Buffer.from([0x61, 0x2e, 0xff, 0xfe, 0x2e, 0x62]));
  await send("after.beat:1|c");
  await waitFor("the good lines", () => got.length === 2);
  assert.deepEqual(got.map((c) => c.service), ["ok", "after"]);
  await waitFor("counters", () => server.counters.rejected.encoding === before.encoding + 1);
  assert.equal(server.counters.rejected.malformed, before.malformed + 2);
  assert.equal(server.counters.rejected.oversized, before.oversized + 1);
});

test("TCP: lines split across writes, a persistent connection, and an oversized line closes only that connection", async () => {
  got.length = 0;
  const sock = connect(server.port, "127.0.0.1");
  sock.write("tcp.one.be");
  await new Promise((r) => setTimeout(r, 30));
  sock.write("at:1|c\ntcp.two.timeout:-2|g\n");
  await waitFor("two lines", () => got.length === 2);
  assert.deepEqual(got.map((c) => [c.service, c.action, c.valueMs]), [["tcp.one", "beat", 1000], ["tcp.two", "timeout", -2]]);
  sock.end("tcp.three.beat:1|c");
  await waitFor("the last line without a newline, at close", () => got.length === 3);

  const greedy = connect(server.port, "127.0.0.1");
  greedy.write("x".repeat(1000));
  await new Promise<void>((resolve) => greedy.on("close", () => resolve()));
  assert.ok(server.counters.rejected.oversized >= 1);
  const after = connect(server.port, "127.0.0.1");
  after.end("still.works.beat:1|c\n");
  await waitFor("a new connection still works", () => got.some((c) => c.service === "still.works"));
});

test("the worker drops a service's beats within 1 s of its last one (Lovebeat ignores them), counting them; other lines all pass", async () => {
  got.length = 0;
  const before = { ...server.counters };
  // The same service's beat in another form (value, type, trailing CR) is folded as well.
  await send("burst.beat:1|c\nburst.beat:1|c\nburst.timeout:30|g\nburst.beat:7|g\r\nother.beat:1|c\nburst.autobeat:1|c\nother.beat:1|ms\n");
  await waitFor("the lines that pass", () => got.length === 4);
  assert.deepEqual(got.map((c) => `${c.service}.${c.action}`), ["burst.beat", "burst.timeout", "other.beat", "burst.autobeat"]);
  await waitFor("counters", () => server.counters.lines === before.lines + 7);
  assert.equal(server.counters.coalesced, before.coalesced + 3);
  // A malformed line is still rejected even right after a beat of the same service.
  await send("burst.beat:x|c");
  await waitFor("the malformed line counted", () => server.counters.rejected.malformed === before.rejected.malformed + 1);
  await new Promise((r) => setTimeout(r, 1050));
  await send("burst.beat:1|c");
  await waitFor("a beat a second later passes", () => got.length === 5);
});

test("a port already taken: the start fails with the reason, and the first listener keeps working", async () => {
  await assert.rejects(startStatsd({ host: "127.0.0.1", port: server.port, log: quietLog, onCommands: () => {} }), /EADDRINUSE/);
  got.length = 0;
  await send("still.beat:1|c");
  await waitFor("the first listener still works", () => got.length === 1);
});
