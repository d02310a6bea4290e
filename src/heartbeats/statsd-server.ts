/**
 * Lovebeat's statsd listeners: UDP and TCP on the same port (8127 by default). Each accepted
 * line becomes a command for the heartbeat service; bad input (malformed lines, oversized
 * datagrams or lines, invalid UTF-8) is rejected, counted and logged at debug, never a crash.
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import type { Logger } from "pino";
import { type LovebeatCommand, parseStatsdPacket } from "./lovebeat/statsd-line.ts";

/** Why input was turned away, as counted. */
export type StatsdRejectReason = "malformed" | "oversized" | "encoding";

/** Counters of a statsd listener. */
export interface StatsdCounters {
  /** UDP datagrams received. */
  datagrams: number;
  /** Lines accepted (UDP and TCP). */
  lines: number;
  /** Input rejected, by reason. */
  rejected: Record<StatsdRejectReason, number>;
}

/** Options of the listeners. */
export interface StatsdOptions {
  /** Host to bind (127.0.0.1 unless asked). */
  host: string;
  /** Port for both UDP and TCP (0: any free port, the same for both). */
  port: number;
  /** Receives the accepted commands of one datagram or TCP chunk, with the receive time. */
  onCommands: (commands: LovebeatCommand[], at: number) => void;
  /** Log (rejections at debug). */
  log: Logger;
  /** Largest datagram accepted (bytes). */
  maxDatagramBytes?: number;
  /** Longest TCP line accepted (bytes); a longer one closes the connection. */
  maxLineBytes?: number;
  /** UDP receive buffer (bytes) to ride out bursts. */
  recvBufferBytes?: number;
  /** Clock. */
  now?: () => number;
}

/** Running listeners. */
export interface StatsdListeners {
  /** The port both listen on. */
  port: number;
  /** Counters. */
  counters: StatsdCounters;
  /** Stops both. */
  close(): Promise<void>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Starts UDP and TCP listeners on one port. */
export async function startStatsd(o: StatsdOptions): Promise<StatsdListeners> {
  const counters: StatsdCounters = { datagrams: 0, lines: 0, rejected: { malformed: 0, oversized: 0, encoding: 0 } };
  const now = o.now ?? Date.now;
  const maxDatagram = o.maxDatagramBytes ?? 8192;
  const maxLine = o.maxLineBytes ?? 4096;
  const reject = (reason: StatsdRejectReason, detail: Record<string, unknown>) => {
    counters.rejected[reason]++;
    o.log.debug({ reason, ...detail }, "statsd input rejected");
  };
  const handle = (text: string, from: string) => {
    const { commands, rejected } = parseStatsdPacket(text);
    for (const r of rejected) reject("malformed", { from, line: r.line.slice(0, 200), why: r.reason });
    if (!commands.length) return;
    counters.lines += commands.length;
    o.onCommands(commands, now());
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
  udp.on("error", (err) => o.log.error({ err: err.message }, "statsd UDP socket error"));
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
