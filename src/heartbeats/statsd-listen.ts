/**
 * The statsd sockets: UDP and TCP on one port, datagrams and lines turned into commands, bad
 * input (malformed lines, oversized datagrams or lines, invalid UTF-8) rejected and counted,
 * never a crash. Runs inside the statsd worker (statsd-worker.ts), off the main event loop.
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { type LovebeatCommand, parseStatsdLine } from "./lovebeat/statsd-line.ts";

/** A service's beats closer than this to its previous one are folded into it (Lovebeat ignores them). */
export const COALESCE_MS = 1000;

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
  /**
   * Fold a service's beats within `COALESCE_MS` of its previous one here, before they are handed
   * on (with the real clock only: a test clock keeps every beat for the hub to judge).
   */
  coalesce?: boolean;
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
  // Coalescing: the time of each service's last beat handed on, and the same by the exact line
  // that carried it. A line seen again within the window is a beat of the same service, folded
  // without being parsed again (most lines, when services beat many times a second).
  const lastBeat = new Map<string, number>();
  const lastLine = new Map<string, number>();
  let sweepAt = Date.now() + 10 * COALESCE_MS;
  const handle = (text: string, from: () => string) => {
    const now = o.coalesce ? Date.now() : 0;
    const commands: LovebeatCommand[] = [];
    for (const raw of text.split("\n")) {
      if (raw === "" || raw === "\r") continue;
      if (o.coalesce) {
        const seen = lastLine.get(raw);
        if (seen !== undefined && now - seen < COALESCE_MS) {
          counters.lines++;
          counters.coalesced++;
          continue;
        }
      }
      const res = parseStatsdLine(raw);
      if (!res.ok) {
        reject("malformed", { from: from(), line: (raw.endsWith("\r") ? raw.slice(0, -1) : raw).slice(0, 200), why: res.reason });
        continue;
      }
      counters.lines++;
      const c = res.command;
      if (o.coalesce && c.action === "beat") {
        const prev = lastBeat.get(c.service);
        if (prev !== undefined && now - prev < COALESCE_MS) {
          counters.coalesced++;
          continue;
        }
        lastBeat.set(c.service, now);
        lastLine.set(raw, now);
      }
      commands.push(c);
    }
    // Services that stopped beating are forgotten, so the maps stay the size of the active set.
    if (o.coalesce && now > sweepAt) {
      for (const m of [lastBeat, lastLine]) for (const [k, t] of m) if (now - t > 5 * COALESCE_MS) m.delete(k);
      sweepAt = now + 10 * COALESCE_MS;
    }
    if (commands.length) sink.commands(commands);
  };
  const decode = (buf: Buffer, from: () => string): string | undefined => {
    try {
      return utf8.decode(buf);
    } catch {
      reject("encoding", { from: from(), bytes: buf.length });
      return undefined;
    }
  };

  // TCP first: with port 0 it picks the port, and UDP binds the same number.
  const tcp: Server = createServer((sock) => {
    let pending: Buffer = Buffer.alloc(0);
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    const from = () => peer;
    sock.on("error", () => {});
    sock.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const end = pending.lastIndexOf(0x0a);
      if (end < 0) {
        if (pending.length > maxLine) {
          reject("oversized", { from: peer, bytes: pending.length });
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
    // Built only for a rejection's log line, not for every datagram.
    const from = () => `${rinfo.address}:${rinfo.port}`;
    if (msg.length > maxDatagram) return reject("oversized", { from: from(), bytes: msg.length });
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
