/** One HTTP request on a fresh connection, with a timing for every phase. Never throws. */
import http, { type IncomingHttpHeaders, type RequestOptions } from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import type { CertInfo, PhaseTimings, ProbePhase } from "../core/types.ts";
import { certInfo, tlsConnectOptions } from "./tls-common.ts";
import type { TlsOptionsInput } from "../config/schema/common.ts";
import type { ProbeSignal } from "./types.ts";

/** What one request needs. */
export interface HopRequest {
  /** Target. */
  url: URL;
  /** Method. */
  method: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Request body. */
  body?: string;
  /** TLS options (HTTPS). */
  tls?: TlsOptionsInput;
  /** Body bytes read at most; the connection is closed past it. */
  bodyLimitBytes: number;
  /** Cancels the request. */
  signal: ProbeSignal;
  /** Clock for certificate days. */
  nowMs: number;
}

/** A response, or the phase and error a request failed with. */
export type HopResult =
  | { kind: "response"; status: number; headers: Record<string, string>; body: string; bodyBytes: number; timings: PhaseTimings; cert?: CertInfo; remote?: string }
  | { kind: "error"; phase: ProbePhase; error: unknown; timings: PhaseTimings; cert?: CertInfo; remote?: string; untrusted?: boolean };

interface Marks {
  start: number;
  lookup?: number;
  connect?: number;
  secure?: number;
  ttfb?: number;
  end?: number;
}

const r2 = (ms: number) => Math.round(ms * 100) / 100;

function timingsOf(m: Marks): PhaseTimings {
  const now = m.end ?? performance.now();
  const afterDns = m.lookup ?? m.start;
  const afterConnect = m.secure ?? m.connect;
  return {
    ...(m.lookup !== undefined ? { dnsMs: r2(m.lookup - m.start) } : {}),
    ...(m.connect !== undefined ? { connectMs: r2(m.connect - afterDns) } : {}),
    ...(m.secure !== undefined && m.connect !== undefined ? { tlsMs: r2(m.secure - m.connect) } : {}),
    ...(m.ttfb !== undefined && afterConnect !== undefined ? { ttfbMs: r2(m.ttfb - afterConnect) } : {}),
    ...(m.ttfb !== undefined && m.end !== undefined ? { transferMs: r2(m.end - m.ttfb) } : {}),
    totalMs: r2(now - m.start),
  };
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** Sends one request on a new connection and reads the response up to the body limit. */
export function requestOnce(req: HopRequest): Promise<HopResult> {
  return new Promise((resolve) => {
    const m: Marks = { start: performance.now() };
    const isHttps = req.url.protocol === "https:";
    const host = req.url.hostname.replace(/^\[|\]$/g, "");
    const verify = req.tls?.verify !== false;
    let phase: ProbePhase = "dns";
    let cert: CertInfo | undefined;
    let remote: string | undefined;
    let done = false;
    const finish = (r: HopResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const fail = (error: unknown, untrusted = false) => {
      m.end = performance.now();
      finish({ kind: "error", phase, error, timings: timingsOf(m), cert, remote, ...(untrusted ? { untrusted } : {}) });
    };
    const opts: RequestOptions = {
      method: req.method,
      headers: req.headers,
      agent: false,
      ...(isHttps ? tlsConnectOptions(req.tls, host) : {}),
    };
    const r = (isHttps ? https : http).request(req.url, opts, (res) => {
      m.ttfb = performance.now();
      phase = "transfer";
      const chunks: Buffer[] = [];
      let bytes = 0;
      const complete = () => {
        m.end = performance.now();
        const body = Buffer.concat(chunks).subarray(0, req.bodyLimitBytes).toString("utf8");
        finish({ kind: "response", status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body, bodyBytes: bytes, timings: timingsOf(m), cert, remote });
      };
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (bytes - c.length < req.bodyLimitBytes) chunks.push(c);
        // Past the limit the rest is not needed: stop reading rather than download it all.
        if (bytes >= req.bodyLimitBytes && req.bodyLimitBytes >= 0) {
          complete();
          res.destroy();
        }
      });
      res.on("end", complete);
      res.on("error", (e) => (done ? undefined : fail(e)));
    });
    r.on("socket", (socket) => {
      // 'lookup' is emitted on failure too; only a successful lookup ends the dns phase.
      socket.once("lookup", (err: Error | null) => {
        if (err) return;
        m.lookup = performance.now();
        phase = "connect";
      });
      socket.once("connect", () => {
        m.connect = performance.now();
        phase = isHttps ? "tls" : "ttfb";
        remote = `${socket.remoteAddress}:${socket.remotePort}`;
      });
      if (m.lookup === undefined && /^[\d.]+$|:/.test(host)) phase = "connect";
      if (!isHttps) return;
      socket.once("secureConnect", () => {
        m.secure = performance.now();
        phase = "ttfb";
        cert = certInfo(socket as TLSSocket, req.tls?.servername ?? host, req.nowMs);
        // Judge trust before anything is sent, so headers never reach an untrusted server.
        if (verify && cert && !cert.trusted) {
          fail(new Error(`certificate not trusted: ${cert.trustError}`), true);
          r.destroy();
        }
      });
    });
    r.on("error", (e) => fail(e));
    // The signal is watched here rather than handed to http.request, which would wrap it in
    // Node's own abort machinery (an EventTarget listener and a stream watcher per request).
    const onAbort = () => {
      const why = req.signal.reason instanceof Error ? req.signal.reason : new Error("aborted");
      fail(Object.assign(new Error("The operation was aborted", { cause: why }), { name: "AbortError", code: "ABORT_ERR" }));
      r.destroy();
    };
    if (req.signal.aborted) return onAbort();
    req.signal.addEventListener("abort", onAbort, { once: true });
    const detach = () => req.signal.removeEventListener("abort", onAbort);
    r.once("close", detach);
    r.end(req.body);
  });
}
