/**
 * A real DNS server for tests: UDP and TCP on the same loopback port, answering from a zone map,
 * with per-name misbehaviour (forced rcode, delay, silence, wrong id first, truncation, garbage).
 */
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket, { type Answer, type Packet } from "dns-packet";

/** Response codes the server can be told to answer with. */
export type ServerRcode = "NOERROR" | "FORMERR" | "SERVFAIL" | "NXDOMAIN" | "NOTIMP" | "REFUSED";

/** What the server does for one name. */
export interface ZoneName {
  /** Answers by question type (`A`, `MX`…); a type without an entry gets an empty NOERROR answer. */
  answers?: Record<string, Answer[]>;
  /** Answer with this rcode (and no answers) instead. */
  rcode?: ServerRcode;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer. */
  silent?: boolean;
  /** Over UDP, first send the answer with a different id. */
  wrongIdFirst?: boolean;
  /** Over UDP, answer with the TC bit set and no answers, so the client must retry over TCP. */
  truncateUdp?: boolean;
  /** Answer with bytes that carry the query's id but are no DNS message. */
  garbage?: boolean;
}

/** The zone: lower-case name without trailing dot → behaviour. Names not in it get NXDOMAIN. */
export type Zone = Record<string, ZoneName>;

/** One query the server received. */
export interface ReceivedQuery {
  /** Transport it came over. */
  transport: "udp" | "tcp";
  /** Query id. */
  id: number;
  /** Question name. */
  name: string;
  /** Question type. */
  type: string;
  /** Whether recursion desired was set. */
  recursionDesired: boolean;
}

/** A running test DNS server. */
export interface DnsServer {
  /** Address it listens on. */
  host: string;
  /** Port, the same for UDP and TCP. */
  port: number;
  /** Stops both listeners, drops TCP connections and pending delayed answers. */
  close(): Promise<void>;
  /** Every query received, in order. */
  queries: ReceivedQuery[];
}

const RCODES: Record<ServerRcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/** The response to a query, or undefined to stay silent. */
function respond(zone: Zone, query: Packet, transport: "udp" | "tcp"): Buffer[] | undefined {
  const q = query.questions?.[0];
  const name = (q?.name ?? "").toLowerCase().replace(/\.$/, "");
  const entry = zone[name];
  if (entry?.silent) return undefined;
  const id = query.id ?? 0;
  if (entry?.garbage) return [Buffer.from([id >> 8, id & 0xff, 0xff, 0xff, 0xff])];
  const rcode = entry === undefined ? RCODES.NXDOMAIN : RCODES[entry.rcode ?? "NOERROR"];
  const truncated = transport === "udp" && entry?.truncateUdp === true;
  const answers = rcode !== 0 || truncated ? [] : (entry?.answers?.[q?.type ?? ""] ?? []);
  // The rcode lives in the low four bits of the flags word, which dns-packet writes as given.
  let flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode;
  if (truncated) flags |= dnsPacket.TRUNCATED_RESPONSE;
  const packet: Packet = { type: "response", id, flags, questions: query.questions ?? [], answers };
  const out = [dnsPacket.encode(packet)];
  if (transport === "udp" && entry?.wrongIdFirst) out.unshift(dnsPacket.encode({ ...packet, id: (id + 1) & 0xffff }));
  return out;
}

function record(queries: ReceivedQuery[], transport: "udp" | "tcp", query: Packet): void {
  const q = query.questions?.[0];
  const recursionDesired = ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) !== 0;
  queries.push({ transport, id: query.id ?? 0, name: q?.name ?? "", type: q?.type ?? "", recursionDesired });
}

/** Delays per the zone, remembering timers so close() can cancel them. */
function later(timers: Set<NodeJS.Timeout>, delayMs: number | undefined, fn: () => void): void {
  if (!delayMs) return fn();
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, delayMs);
  timers.add(t);
}

function delayOf(zone: Zone, query: Packet): number | undefined {
  const name = (query.questions?.[0]?.name ?? "").toLowerCase().replace(/\.$/, "");
  return zone[name]?.delayMs;
}

/** Buffers a TCP connection's bytes and answers each length-prefixed query. */
function serveTcp(socket: net.Socket, zone: Zone, queries: ReceivedQuery[], timers: Set<NodeJS.Timeout>): void {
  let buf = Buffer.alloc(0);
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const len = buf.readUInt16BE(0);
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      let query: Packet;
      try {
        query = dnsPacket.decode(msg);
      } catch {
        socket.destroy();
        return;
      }
      record(queries, "tcp", query);
      const replies = respond(zone, query, "tcp");
      later(timers, delayOf(zone, query), () => {
        for (const r of replies ?? []) if (!socket.destroyed) socket.write(Buffer.concat([Buffer.from([r.length >> 8, r.length & 0xff]), r]));
      });
    }
  });
}

function serveUdp(udp: dgram.Socket, zone: Zone, queries: ReceivedQuery[], timers: Set<NodeJS.Timeout>): void {
  udp.on("message", (msg, rinfo) => {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    record(queries, "udp", query);
    const replies = respond(zone, query, "udp");
    later(timers, delayOf(zone, query), () => {
      for (const r of replies ?? []) udp.send(r, rinfo.port, rinfo.address);
    });
  });
}

/** Binds UDP on port 0, then TCP on the same number; retries when that TCP port is taken. */
async function bindBoth(host: string): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  const type = net.isIP(host) === 6 ? "udp6" : "udp4";
  for (let tries = 0; ; tries++) {
    const udp = dgram.createSocket(type);
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, host, () => resolve());
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => resolve());
      });
      return { udp, tcp, port };
    } catch (err) {
      udp.close();
      if (tries >= 20) throw err;
    }
  }
}

/** Starts a UDP+TCP DNS server on `host` (127.0.0.1 by default), port 0, answering from `zone`. */
export async function startDnsServer(zone: Zone, host = "127.0.0.1"): Promise<DnsServer> {
  const { udp, tcp, port } = await bindBoth(host);
  const queries: ReceivedQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  serveUdp(udp, zone, queries, timers);
  tcp.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveTcp(socket, zone, queries, timers);
  });
  const close = async (): Promise<void> => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
  };
  return { host, port, close, queries };
}
