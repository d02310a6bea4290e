/** The HTTP(S) probe: request, redirects, assertions on status, body, JSON, headers, time and certificate. */
import { HTTP_DEFAULTS, type HttpCheckInput } from "../config/schema/checks.ts";
import { bodyAssertions, headerAssertions, jsonAssertions, statusAssertion } from "../core/assertions.ts";
import type { AssertionResult, ProbeFacts } from "../core/types.ts";
import { responseTimeAssertions } from "../core/verdict.ts";
import { type HopResult, requestOnce } from "./http-request.ts";
import { classify, failed, judged } from "./outcome.ts";
import { certAssertions } from "./tls-common.ts";
import type { Probe, ProbeContext } from "./types.ts";

/** Bytes of body kept in the facts of a failed or degraded result. */
export const FAILURE_BODY_BYTES = 4096;

function appendArg(url: string, key: string, value: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

/**
 * The URL of an attempt: the configured query, then Cupcake's trace id, then the attempt number,
 * appended to the URL text as written (fragment dropped) so existing arguments keep their encoding.
 */
export function attemptUrl(check: HttpCheckInput, ctx: Pick<ProbeContext, "attempt" | "traceId">): string {
  let url = check.url.replace(/#.*$/, "");
  for (const [k, v] of Object.entries(check.query ?? {})) url = appendArg(url, k, v);
  if (check.traceId) url = appendArg(url, check.traceId === true ? HTTP_DEFAULTS.traceKey : check.traceId, ctx.traceId);
  if (check.attemptArg) url = appendArg(url, check.attemptArg === true ? HTTP_DEFAULTS.attemptKey : check.attemptArg, String(ctx.attempt));
  return url;
}

function requestHeaders(check: HttpCheckInput): Record<string, string> {
  const headers: Record<string, string> = { "user-agent": check.userAgent ?? HTTP_DEFAULTS.userAgent };
  for (const [k, v] of Object.entries(check.headers ?? {})) headers[k.toLowerCase()] = v;
  return headers;
}

const SENSITIVE = ["authorization", "cookie", "proxy-authorization"];

/** Follows redirects as configured; returns the last hop and the redirect chain. */
async function fetchWithRedirects(check: HttpCheckInput, ctx: ProbeContext, first: URL): Promise<{ hop: HopResult; redirects: string[]; totalMs: number; limitHit: boolean }> {
  const started = performance.now();
  const max = check.followRedirects === false ? 0 : (check.maxRedirects ?? HTTP_DEFAULTS.maxRedirects);
  let url = first;
  let method = check.method ?? HTTP_DEFAULTS.method;
  let body = check.body;
  let headers = requestHeaders(check);
  const redirects: string[] = [];
  for (;;) {
    const hop = await requestOnce({ url, method, headers, body, tls: check.tls, bodyLimitBytes: check.bodyLimitBytes ?? HTTP_DEFAULTS.bodyLimitBytes, signal: ctx.signal, nowMs: ctx.now() });
    const status = hop.kind === "response" ? hop.status : 0;
    const location = hop.kind === "response" && status >= 300 && status <= 399 ? hop.headers.location : undefined;
    if (!location || max === 0 || redirects.length >= max) {
      return { hop, redirects, totalMs: performance.now() - started, limitHit: Boolean(location) && max > 0 };
    }
    const next = new URL(location, url);
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !SENSITIVE.includes(k)));
    if (status === 303 || ((status === 301 || status === 302) && method !== "GET" && method !== "HEAD")) {
      method = "GET";
      body = undefined;
    }
    redirects.push(next.href);
    url = next;
  }
}

/** Runs one attempt of an HTTP check. */
export const httpProbe: Probe<"http"> = async (check, ctx) => {
  const target = attemptUrl(check, ctx);
  const facts: ProbeFacts = { url: target, ...(check.traceId ? { traceId: ctx.traceId } : {}) };
  let first: URL;
  try {
    first = new URL(target);
  } catch {
    return failed("setup", "error", `invalid URL ${target}`, { totalMs: 0 }, facts);
  }
  const { hop, redirects, totalMs, limitHit } = await fetchWithRedirects(check, ctx, first);
  if (redirects.length) facts.redirects = redirects;
  if (hop.cert) facts.cert = hop.cert;
  if (hop.remote) facts.remoteAddress = hop.remote;
  const timings = { ...hop.timings, totalMs: Math.round(totalMs * 100) / 100 };
  if (hop.kind === "error") {
    if (hop.untrusted) return failed("tls", "tls", String((hop.error as Error).message), timings, facts);
    const c = classify(hop.error, ctx.signal.aborted, hop.phase, ctx.timeoutMs);
    return failed(hop.phase, c.failure, c.reason, timings, facts);
  }
  facts.statusCode = hop.status;
  facts.headers = hop.headers;
  facts.bodyBytes = hop.bodyBytes;
  const expect = check.expect ?? {};
  const assertions: AssertionResult[] = [
    statusAssertion(hop.status, expect),
    ...bodyAssertions(hop.body, expect),
    ...jsonAssertions(hop.body, expect),
    ...headerAssertions(hop.headers, expect),
    ...responseTimeAssertions(timings.totalMs, ctx.thresholds),
    // Trust and expiry were judged at the handshake when verifying; the day bounds apply either way.
    ...(hop.cert ? certAssertions(hop.cert, false, ctx.thresholds).filter((a) => a.name !== "certificate not expired") : []),
  ];
  if (limitHit) {
    assertions.push({ name: "redirects", ok: false, severity: "down", expected: `at most ${check.maxRedirects ?? HTTP_DEFAULTS.maxRedirects}`, actual: `more (next: ${hop.headers.location})` });
  }
  const outcome = judged(timings, facts, assertions);
  if (outcome.health !== "up") facts.bodyExcerpt = hop.body.slice(0, FAILURE_BODY_BYTES);
  return outcome;
};
