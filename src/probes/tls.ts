/** The `tls` probe: TCP connect, optional SMTP STARTTLS, TLS handshake; judges the peer certificate. */
import net, { type Socket } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import type { TlsCheckInput } from "../config/schema/checks.ts";
import type { PhaseTimings, ProbeFacts, ProbeOutcome, ProbePhase } from "../core/types.ts";
import { responseTimeAssertions } from "../core/verdict.ts";
import { errorMessage } from "../lib/errors.ts";
import { classify, failed, judged, since } from "./outcome.ts";
import { StartTlsError, smtpStartTls } from "./smtp-starttls.ts";
import { certAssertions, certInfo, tlsConnectOptions } from "./tls-common.ts";
import type { Probe, ProbeContext } from "./types.ts";

/** Degraded below this many days left unless the thresholds say otherwise (this kind only). */
const DEFAULT_CERT_WARN_DAYS = 14;

interface Target {
  host: string;
  port: number;
}

/** The state of one attempt, read by the failure path to say where and how far it got. */
interface Attempt {
  phase: ProbePhase;
  start: number;
  timings: PhaseTimings;
  facts: ProbeFacts;
  sockets: Socket[];
}

const ignore = (): void => {};

/** Host and port of `tls://host:port`; the port defaults to 443 (25 with SMTP STARTTLS). */
function parseTarget(url: string, starttls: string | undefined): Target {
  const u = new URL(url);
  if (u.protocol !== "tls:") throw new Error(`not a tls:// url: ${url}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new Error(`no host in ${url}`);
  const port = u.port ? Number(u.port) : starttls === "smtp" ? 25 : 443;
  return { host, port };
}

/** Keeps a socket for the final cleanup; a late error on it must never become an uncaught exception. */
function track<S extends Socket>(a: Attempt, socket: S): S {
  socket.on("error", ignore);
  a.sockets.push(socket);
  return socket;
}

/** Outermost first: destroying a socket under a live TLS layer crashes Node 20 (SIGSEGV). */
function destroyAll(a: Attempt): void {
  for (const s of [...a.sockets].reverse()) s.destroy();
}

/** Resolves when `socket` emits `event`; rejects on an error, or on a close before it. */
function settle(socket: Socket, event: string, closedReason: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      socket.off(event, onEvent);
      socket.off("error", done);
      socket.off("close", onClose);
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onEvent = (): void => done();
    const onClose = (): void => done(new Error(closedReason));
    socket.once(event, onEvent);
    socket.once("error", done);
    socket.once("close", onClose);
  });
}

/** TCP connection to the target, with name resolution timed separately when there is one. */
async function connectTcp(a: Attempt, target: Target): Promise<Socket> {
  let connectStart = a.start;
  if (net.isIP(target.host) === 0) a.phase = "dns";
  const raw = track(a, net.connect({ host: target.host, port: target.port }));
  raw.once("lookup", () => {
    a.timings.dnsMs = since(a.start);
    connectStart = performance.now();
    a.phase = "connect";
  });
  await settle(raw, "connect", "connection closed before it was established");
  a.timings.connectMs = since(connectStart);
  a.facts.remoteAddress = raw.remoteAddress;
  return raw;
}

/** The TLS handshake over an open socket; also reports whether a TLS 1.3 session ticket came. */
async function handshake(a: Attempt, raw: Socket, options: tls.ConnectionOptions): Promise<{ secure: TLSSocket; ticket: () => boolean }> {
  // Node's own host check would use "localhost" for a wrapped socket without SNI (an IP target);
  // certInfo checks the right name afterwards and words the mismatch better.
  const secure = track(a, tls.connect({ ...options, socket: raw, checkServerIdentity: () => undefined }));
  let gotTicket = false;
  secure.once("session", () => {
    gotTicket = true;
  });
  await settle(secure, "secureConnect", "connection closed during the TLS handshake");
  return { secure, ticket: () => gotTicket };
}

/**
 * In TLS 1.3 the client finishes its handshake before the server has judged the client's
 * certificate: a rejection (e.g. a required client certificate missing) arrives one round trip
 * later as an alert. So wait for the server's first word after the handshake — a session ticket,
 * data, or the alert — for about a few round trips, then assume acceptance (some servers send no tickets).
 */
function confirmHandshake(secure: TLSSocket, ticket: () => boolean, graceMs: number): Promise<void> {
  if (secure.getProtocol() !== "TLSv1.3" || ticket()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      secure.off("session", accept);
      secure.off("data", accept);
      secure.off("error", done);
      secure.off("close", onClose);
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const accept = (): void => done();
    const onClose = (): void => done(new Error("TLS connection closed by the server right after the handshake"));
    const timer = setTimeout(accept, graceMs);
    secure.once("session", accept);
    secure.once("data", accept);
    secure.once("error", done);
    secure.once("close", onClose);
  });
}

/**
 * Best effort: tell an SMTP server we are leaving, so it does not log an aborted session. Waits
 * for the server to hang up (its 221 then close) for at most `graceMs`; never fails the check.
 */
function sendQuit(secure: TLSSocket, graceMs: number): Promise<void> {
  if (secure.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearImmediate(writeSoon);
      clearTimeout(timer);
      secure.off("end", done);
      secure.off("close", done);
      secure.off("error", done);
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    secure.once("end", done);
    secure.once("close", done);
    secure.once("error", done);
    // Not from inside a TLS event (we may be in the session-ticket callback): Node 20 then
    // encrypts the write out of order and the server fails it with "bad record mac".
    const writeSoon = setImmediate(() => {
      // Reading the 221 lets "end" arrive; its text does not matter.
      secure.resume();
      secure.end("QUIT\r\n");
    });
  });
}

/** The attempt itself; throws on any target failure, which `failure` turns into an outcome. */
async function run(check: TlsCheckInput, target: Target, ctx: ProbeContext, a: Attempt): Promise<ProbeOutcome> {
  const raw = await connectTcp(a, target);
  if (check.starttls === "smtp") {
    a.phase = "starttls";
    await smtpStartTls(raw);
  }
  a.phase = "tls";
  const tlsStart = performance.now();
  const { secure, ticket } = await handshake(a, raw, tlsConnectOptions(check.tls, target.host));
  a.timings.tlsMs = since(tlsStart);
  a.timings.totalMs = since(a.start);
  const cert = certInfo(secure, check.tls?.servername ?? target.host, ctx.now());
  if (cert) a.facts.cert = cert;
  // Off the clock: waiting for the server's verdict is not handshake latency.
  const graceMs = Math.min(1000, Math.max(100, 4 * (a.timings.connectMs ?? 0)));
  await confirmHandshake(secure, ticket, graceMs);
  if (!cert) return failed("tls", "tls", "server presented no certificate", a.timings, a.facts);
  const assertions = [
    ...certAssertions(cert, check.tls?.verify ?? true, {
      certMinDays: ctx.thresholds.certMinDays,
      certWarnDays: ctx.thresholds.certWarnDays ?? DEFAULT_CERT_WARN_DAYS,
    }),
    ...responseTimeAssertions(a.timings.totalMs, ctx.thresholds),
  ];
  const outcome = judged(a.timings, a.facts, assertions);
  if (check.starttls === "smtp") await sendQuit(secure, graceMs);
  return outcome;
}

/** A thrown target failure as an outcome, in the phase the attempt was in. */
function failure(err: unknown, a: Attempt, ctx: ProbeContext): ProbeOutcome {
  a.timings.totalMs = since(a.start);
  const aborted = ctx.signal.aborted;
  if (!aborted && err instanceof StartTlsError) return failed("starttls", "protocol", err.message, a.timings, a.facts);
  const c = classify(err, aborted, a.phase, ctx.timeoutMs);
  // Whatever breaks the handshake (a reset included) is a TLS failure of this check.
  const kind = !aborted && a.phase === "tls" ? "tls" : c.failure;
  return failed(a.phase, kind, c.reason, a.timings, a.facts);
}

/** Probes a TLS endpoint (directly or after SMTP STARTTLS) and judges its certificate and timing. */
export const tlsProbe: Probe<"tls"> = async (check, ctx) => {
  const a: Attempt = { phase: "connect", start: performance.now(), timings: { totalMs: 0 }, facts: {}, sockets: [] };
  let target: Target;
  try {
    target = parseTarget(check.url, check.starttls);
  } catch (err) {
    return failed("setup", "error", `invalid url: ${errorMessage(err)}`, a.timings);
  }
  if (ctx.signal.aborted) return failure(ctx.signal.reason, a, ctx);
  // One place reacts to the abort: destroying the sockets makes every pending wait reject.
  const onAbort = (): void => destroyAll(a);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await run(check, target, ctx, a);
  } catch (err) {
    return failure(err, a, ctx);
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    destroyAll(a);
  }
};
