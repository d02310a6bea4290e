/** The dns probe: one query to one resolver over UDP (falling back to TCP when truncated) or TCP. */
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { getServers } from "node:dns";
import net from "node:net";
import dnsPacket, { type DecodedPacket, type Packet } from "dns-packet";
import type { DnsCheckInput } from "../config/schema/checks.ts";
import type { AssertionResult, PhaseTimings, ProbeFacts, ProbeOutcome, ProbePhase } from "../core/types.ts";
import { responseTimeAssertions } from "../core/verdict.ts";
import { errorMessage } from "../lib/errors.ts";
import { type ResolverAddress, parseResolver, recordAssertions, toDnsRecords } from "./dns-records.ts";
import { classify, failed, judged, since } from "./outcome.ts";
import type { Probe, ProbeContext, ProbeSignal } from "./types.ts";

/** A reply that is not a DNS response to our query: a target failure of kind "protocol". */
class DnsProtocolError extends Error {}

/** Why an exchange ended early, with the phase it was in and whether the attempt's signal did it. */
class ExchangeError extends Error {
  constructor(
    readonly phase: ProbePhase,
    readonly aborted: boolean,
    readonly reasonError: unknown,
  ) {
    super(errorMessage(reasonError));
  }
}

/** A decoded response and how long it took. */
interface Reply {
  packet: DecodedPacket;
  ttfbMs: number;
  connectMs?: number;
}

/** Decodes a datagram or TCP message; anything undecodable or not a response is a protocol error. */
function decodeReply(msg: Buffer, id: number): DecodedPacket {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(msg);
  } catch (err) {
    throw new DnsProtocolError(`undecodable reply: ${errorMessage(err)}`);
  }
  if (!packet.flag_qr) throw new DnsProtocolError("reply is not a response");
  if (packet.id !== id) throw new DnsProtocolError(`reply id ${packet.id} does not match query id ${id}`);
  return packet;
}

/**
 * Settles an exchange once: detaches from the signal, closes the socket, resolves or rejects.
 * Every exit path (reply, socket error, abort) goes through the one function so nothing leaks.
 */
function settler(signal: ProbeSignal, close: () => void, resolve: (r: Reply) => void, reject: (e: ExchangeError) => void) {
  let done = false;
  const state = { phase: "connect" as ProbePhase };
  const finish = (err: unknown, reply?: Reply): void => {
    if (done) return;
    done = true;
    signal.removeEventListener("abort", onAbort);
    close();
    if (reply) resolve(reply);
    else reject(new ExchangeError(state.phase, signal.aborted, err));
  };
  const onAbort = (): void => finish(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return { state, finish, isDone: () => done };
}

/** One query over a connected UDP socket, so ICMP port-unreachable surfaces as ECONNREFUSED. */
function udpExchange(query: Packet, id: number, to: ResolverAddress, signal: ProbeSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ExchangeError("query", true, signal.reason));
    const socket = dgram.createSocket(net.isIP(to.host) === 6 ? "udp6" : "udp4");
    const { state, finish } = settler(signal, () => socket.close(), resolve, reject);
    let sentAt = 0;
    socket.on("error", (err) => finish(err));
    socket.on("message", (msg) => {
      // A reply with another id is stale or spoofed: keep waiting for ours.
      if (msg.length >= 2 && msg.readUInt16BE(0) !== id) return;
      try {
        finish(undefined, { packet: decodeReply(msg, id), ttfbMs: since(sentAt) });
      } catch (err) {
        finish(err);
      }
    });
    socket.connect(to.port, to.host, (err?: Error) => {
      if (err) return finish(err);
      state.phase = "query";
      sentAt = performance.now();
      socket.send(dnsPacket.encode(query), (sendErr) => {
        if (sendErr) finish(sendErr);
      });
    });
  });
}

/** One query over TCP with the 2-byte length prefix (RFC 1035 §4.2.2). */
function tcpExchange(query: Packet, id: number, to: ResolverAddress, signal: ProbeSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ExchangeError("connect", true, signal.reason));
    const start = performance.now();
    const socket = net.connect({ host: to.host, port: to.port });
    const { state, finish } = settler(signal, () => socket.destroy(), resolve, reject);
    let connectMs = 0;
    let sentAt = 0;
    let buf = Buffer.alloc(0);
    socket.once("connect", () => {
      connectMs = since(start);
      state.phase = "query";
      sentAt = performance.now();
      socket.write(dnsPacket.streamEncode(query));
    });
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      try {
        const packet = decodeReply(buf.subarray(2, 2 + buf.readUInt16BE(0)), id);
        finish(undefined, { packet, ttfbMs: since(sentAt), connectMs });
      } catch (err) {
        finish(err);
      }
    });
    socket.on("error", (err) => finish(err));
    socket.on("close", () => finish(new DnsProtocolError("connection closed before a complete reply")));
  });
}

/** Asks over the check's transport; a truncated UDP answer is asked again over TCP (RFC 7766). */
async function exchange(query: Packet, id: number, to: ResolverAddress, transport: "udp" | "tcp", signal: ProbeSignal): Promise<Reply> {
  if (transport === "tcp") return tcpExchange(query, id, to, signal);
  const first = await udpExchange(query, id, to, signal);
  if (!first.packet.flag_tc) return first;
  return tcpExchange(query, id, to, signal);
}

/** The resolver to ask: the check's, else the first one the system is configured with. */
function resolverOf(check: DnsCheckInput): ResolverAddress | { error: string } {
  const text = check.resolver ?? getServers()[0];
  if (text === undefined) return { error: "no resolver configured and the system lists none" };
  return parseResolver(text);
}

/** An exchange that ended without a usable reply, as an outcome. */
function exchangeFailure(err: unknown, ctx: ProbeContext, timings: PhaseTimings, facts: ProbeFacts): ProbeOutcome {
  const phase = err instanceof ExchangeError ? err.phase : "query";
  const aborted = err instanceof ExchangeError ? err.aborted : ctx.signal.aborted;
  const cause = err instanceof ExchangeError ? err.reasonError : err;
  if (!aborted && cause instanceof DnsProtocolError) return failed(phase, "protocol", `invalid DNS reply (${cause.message})`, timings, facts);
  const { failure, reason } = classify(cause, aborted, phase, ctx.timeoutMs);
  return failed(phase, failure, reason, timings, facts);
}

/** Runs one DNS query and judges the response code, the records and the response time. */
export const dnsProbe: Probe<"dns"> = async (check, ctx) => {
  const start = performance.now();
  const to = resolverOf(check);
  if ("error" in to) return failed("setup", "error", to.error, { totalMs: since(start) });
  const facts: ProbeFacts = { remoteAddress: to.label };
  const type = check.recordType ?? "A";
  const id = randomInt(0, 0x10000);
  const query: Packet = { type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name: check.query }] };
  let reply: Reply;
  try {
    reply = await exchange(query, id, to, check.transport ?? "udp", ctx.signal);
  } catch (err) {
    return exchangeFailure(err, ctx, { totalMs: since(start) }, facts);
  }
  const timings: PhaseTimings = { ttfbMs: reply.ttfbMs, totalMs: since(start) };
  if (reply.connectMs !== undefined) timings.connectMs = reply.connectMs;
  // dns-packet decodes the header's rcode to its name, but its typings leave the field out.
  facts.rcode = (reply.packet as DecodedPacket & { rcode?: string }).rcode ?? "NOERROR";
  facts.records = toDnsRecords(reply.packet.answers);
  const expectedRcode = check.rcode ?? "NOERROR";
  const assertions: AssertionResult[] = [
    { name: "rcode", ok: facts.rcode === expectedRcode, severity: "down", expected: expectedRcode, actual: facts.rcode },
    ...recordAssertions(type, facts.records, check.records ?? [], check.exactRecords ?? false),
    ...responseTimeAssertions(reply.ttfbMs, ctx.thresholds),
  ];
  return judged(timings, facts, assertions);
};
