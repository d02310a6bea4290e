/**
 * A bare statsd receiver for benchmarks: a node:dgram socket on 127.0.0.1 with the same 4 MiB
 * receive buffer Upbeat asks for, counting datagrams and the lines in them (decoded and split, as
 * any server must) and nothing else. It answers `counters` with `{ datagrams, lines }` and
 * `loop` with its event-loop delay and GC pauses since the last `loop`, as bench/lib/tether.ts
 * does for Upbeat.
 * Args: JSON `{ capMs }`; reports `ready { port }`.
 */
import { createSocket } from "node:dgram";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";
import type { Message } from "../lib/child.ts";
import { watchPauses } from "../lib/pause-watch.ts";

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as { capMs: number };
  let datagrams = 0;
  let lines = 0;
  const sock = createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024 });
  sock.on("message", (msg) => {
    datagrams++;
    for (const line of msg.toString("utf8").split("\n")) if (line) lines++;
  });
  sock.on("error", fail);
  const pauses = watchPauses();
  process.on("message", (m: Message) => {
    if (m.type === "counters") toParent({ type: "counters", datagrams, lines });
    if (m.type === "loop") toParent({ type: "loop", ...pauses.take() });
  });
  boundLifetime(cfg.capMs, () => sock.close(() => process.exit(0)));
  sock.bind(0, "127.0.0.1", () => toParent({ type: "ready", port: sock.address().port, recvBufferBytes: sock.getRecvBufferSize() }));
}

main();
