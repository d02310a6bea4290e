/** The TCP probe: connect (optionally TLS), optionally send a line and expect a reply. */
import net from "node:net";
import tls, { type TLSSocket } from "node:tls";
import type { AssertionResult, CertInfo, PhaseTimings, ProbeFacts, ProbePhase } from "../core/types.ts";
import { responseTimeAssertions } from "../core/verdict.ts";
import { classify, failed, judged } from "./outcome.ts";
import { certAssertions, certInfo, tlsConnectOptions } from "./tls-common.ts";
import type { Probe, ProbeSignal } from "./types.ts";

/** Bytes of reply read at most while waiting for the expected text. */
const MAX_REPLY_BYTES = 64 * 1024;

/** Host and port of a `tcp://host:port` or `tls://host:port` URL. */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port) };
}

interface Exchange {
  phase: ProbePhase;
  marks: { start: number; lookup?: number; connect?: number; secure?: number; sent?: number; reply?: number };
  received: string;
  cert?: CertInfo;
  remote?: string;
  error?: unknown;
}

function timings(x: Exchange): PhaseTimings {
  const m = x.marks;
  const r = (a: number, b: number) => Math.round((a - b) * 100) / 100;
  return {
    ...(m.lookup !== undefined ? { dnsMs: r(m.lookup, m.start) } : {}),
    ...(m.connect !== undefined ? { connectMs: r(m.connect, m.lookup ?? m.start) } : {}),
    ...(m.secure !== undefined && m.connect !== undefined ? { tlsMs: r(m.secure, m.connect) } : {}),
    ...(m.reply !== undefined && m.sent !== undefined ? { ttfbMs: r(m.reply, m.sent) } : {}),
    totalMs: r(performance.now(), m.start),
  };
}

function wanted(check: Parameters<Probe<"tcp">>[0], received: string): boolean {
  if (check.expect !== undefined && !received.includes(check.expect)) return false;
  if (check.expectRegex !== undefined && !new RegExp(check.expectRegex).test(received)) return false;
  return true;
}

/** Connects, exchanges, and resolves with what happened; never rejects. */
function exchange(check: Parameters<Probe<"tcp">>[0], signal: ProbeSignal, nowMs: number): Promise<Exchange> {
  const { host, port } = hostPort(check.url);
  const useTls = check.tls !== undefined && check.tls !== false;
  const tlsOpts = typeof check.tls === "object" ? check.tls : undefined;
  const expecting = check.expect !== undefined || check.expectRegex !== undefined;
  const x: Exchange = { phase: net.isIP(host) ? "connect" : "dns", marks: { start: performance.now() }, received: "" };
  return new Promise((resolve) => {
    const raw = net.connect({ host, port });
    let sock: net.Socket = raw;
    const end = (error?: unknown) => {
      if (error !== undefined && x.error === undefined) x.error = error;
      signal.removeEventListener("abort", onAbort);
      sock.destroy();
      raw.destroy();
      resolve(x);
    };
    const onAbort = () => end(signal.reason ?? new Error("aborted"));
    if (signal.aborted) return end(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    raw.once("lookup", (e: Error | null) => {
      if (e) return; // emitted on failure too
      x.marks.lookup = performance.now();
      x.phase = "connect";
    });
    raw.on("error", end);
    const talk = () => {
      x.phase = check.send !== undefined ? "send" : "expect";
      x.marks.sent = performance.now();
      if (check.send !== undefined) sock.write(check.send);
      if (!expecting) return end();
      x.phase = "expect";
      sock.on("data", (chunk: Buffer) => {
        x.marks.reply ??= performance.now();
        x.received += chunk.toString("utf8");
        if (wanted(check, x.received) || x.received.length >= MAX_REPLY_BYTES) end();
      });
      sock.once("end", () => end());
    };
    raw.once("connect", () => {
      x.marks.connect = performance.now();
      x.remote = `${raw.remoteAddress}:${raw.remotePort}`;
      if (!useTls) return talk();
      x.phase = "tls";
      const t = tls.connect({ socket: raw, ...tlsConnectOptions(tlsOpts, host) });
      sock = t;
      t.on("error", end);
      t.once("secureConnect", () => {
        x.marks.secure = performance.now();
        x.cert = certInfo(t as TLSSocket, tlsOpts?.servername ?? host, nowMs);
        talk();
      });
    });
  });
}

/** Runs one attempt of a TCP check. */
export const tcpProbe: Probe<"tcp"> = async (check, ctx) => {
  const x = await exchange(check, ctx.signal, ctx.now());
  const t = timings(x);
  const facts: ProbeFacts = { url: check.url, ...(x.remote ? { remoteAddress: x.remote } : {}), ...(x.cert ? { cert: x.cert } : {}) };
  if (x.received) facts.received = x.received.slice(0, 1024);
  const expecting = check.expect !== undefined || check.expectRegex !== undefined;
  // A peer closing before the expected text arrived is judged by the assertion, not as an error.
  if (x.error !== undefined && !(expecting && x.phase === "expect" && !ctx.signal.aborted)) {
    const c = classify(x.error, ctx.signal.aborted, x.phase, ctx.timeoutMs);
    return failed(x.phase, c.failure, c.reason, t, facts);
  }
  const assertions: AssertionResult[] = [];
  if (check.expect !== undefined) assertions.push({ name: `reply contains ${JSON.stringify(check.expect)}`, ok: x.received.includes(check.expect), severity: "down", expected: "present", actual: JSON.stringify(x.received.slice(0, 200)) });
  if (check.expectRegex !== undefined) assertions.push({ name: `reply matches /${check.expectRegex}/`, ok: new RegExp(check.expectRegex).test(x.received), severity: "down", expected: "a match", actual: JSON.stringify(x.received.slice(0, 200)) });
  const verify = typeof check.tls === "object" ? check.tls.verify !== false : true;
  if (x.cert) assertions.push(...certAssertions(x.cert, verify, ctx.thresholds));
  assertions.push(...responseTimeAssertions(t.totalMs, ctx.thresholds));
  return judged(t, facts, assertions);
};
