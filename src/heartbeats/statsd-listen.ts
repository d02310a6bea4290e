/**
 * The statsd sockets: UDP and TCP on one port, datagrams and lines turned into commands, bad
 * input (malformed lines, oversized datagrams or lines, invalid UTF-8) rejected and counted,
 * never a crash. Runs inside the statsd worker (statsd-worker.ts), off the main event loop.
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { type LovebeatCommand, parseStatsdPacket } from "./lovebeat/statsd-line.ts";

/** Why input was turned away, as counted. */
export type StatsdRejectReason = "malformed" | "oversized" | "encoding";

/** Counters of a statsd listener. */
export interface StatsdCounters {
  /** UDP datagrams received. */
  datagrams: number;
  /** Lines accepted (UDP and TCP). */
  lines: number;
  /** Beats not handed on because the service had one less than a second before (Lovebeat ignores those). */
  coalesced: number;
  /** Input rejected, by reason. */
  rejected: Record<StatsdRejectReason, number>;
}

/** Where and how to listen. */
export interface StatsdSocketOptions {
  /** Host to bind (127.0.0.1 unless asked). */
  host: string;
  /** Port for both UDP and TCP (0: any free port, the same for both). */
  port: number;
  /** Largest datagram accepted (bytes). */
  maxDatagramBytes?: number;
  /** Longest TCP line accepted (bytes); a longer one closes the connection. */
  maxLineBytes?: number;
  /** UDP receive buffer (bytes) to ride out bursts. */
  recvBufferBytes?: number;
}

/** What the sockets hand on. */
export interface StatsdSink {
  /** The accepted commands of one datagram or TCP chunk. */
  commands: (commands: LovebeatCommand[]) => void;
  /** One rejected input, with details for a debug log line. */
  rejected: (reason: StatsdRejectReason, detail: Record<string, unknown>) => void;
  /** A socket error (logged by the main thread). */
  error: (message: string) => void;
}

/** Listening sockets. */
export interface StatsdSockets {
  /** The port both listen on. */
  port: number;
  /** Counters. */
  counters: StatsdCounters;
  /** Stops both. */
  close(): Promise<void>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Starts UDP and TCP listeners on one port. */
export async function listenStatsd(o: StatsdSocketOptions, sink: StatsdSink): Promise<StatsdSockets> {
  const counters: StatsdCounters = { datagrams: 0, lines: 0, coalesced: 0, rejected: { malformed: 0, oversized: 0, encoding: 0 } };
  const maxDatagram = o.maxDatagramBytes ?? 8192;
  const maxLine = o.maxLineBytes ?? 4096;
  const reject = (reason: StatsdRejectReason, detail: Record<string, unknown>) => {
    counters.rejected[reason]++;
    sink.rejected(reason, detail);
  };
  const handle = (text: string, from: string) => {
    const { commands, rejected } = parseStatsdPacket(text);
    for (const r of rejected) reject("malformed", { from, line: r.line.slice(0, 200), why: r.reason });
    if (!commands.length) return;
    counters.lines += commands.length;
    sink.commands(commands);
  };
  const decode = (buf: Buffer, from: string): string | undefined => {
    try {
      return utf8.decode(buf);
    } catch {
      reject("encoding", { from, bytes: buf.length });
      return undefined;
    }
  };

  // TCP first: with port 0 it picks the port, and UDP binds the same number.
  const tcp: Server = createServer((sock) => {
    let pending: Buffer = Buffer.alloc(0);
    const from = `${sock.remoteAddress}:${sock.remotePort}`;
    sock.on("error", () => {});
    sock.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const end = pending.lastIndexOf(0x0a);
      if (end < 0) {
        if (pending.length > maxLine) {
          reject("oversized", { from, bytes: pending.length });
          sock.destroy();
        }
        return;
      }
      const text = decode(pending.subarray(0, end), from);
      pending = pending.subarray(end + 1);
      if (text !== undefined) handle(text, from);
    });
    sock.on("end", () => {
      const text = pending.length ? decode(pending, from) : undefined;
      if (text) handle(text, from);
      sock.end();
    });
  });
  tcp.listen(o.port, o.host);
  await once(tcp, "listening");
  const port = (tcp.address() as { port: number }).port;
  const udp: Socket = createSocket({ type: o.host.includes(":") ? "udp6" : "udp4", recvBufferSize: o.recvBufferBytes ?? 4 * 1024 * 1024 });
  udp.on("error", (err) => sink.error(err.message));
  udp.on("message", (msg, rinfo) => {
    counters.datagrams++;
    const from = `${rinfo.address}:${rinfo.port}`;
    if (msg.length > maxDatagram) return reject("oversized", { from, bytes: msg.length });
    const text = decode(msg, from);
    if (text !== undefined) handle(text, from);
  });
  try {
    udp.bind(port, o.host);
    await once(udp, "listening");
  } catch (e) {
    tcp.close();
    throw e;
  }
  return {
    port,
    counters,
    close: async () => {
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
