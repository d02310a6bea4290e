/** One HTTP request for a channel, with the answer classified for the delivery loop. Never throws; never puts the URL (it may hold a token) in an error. */
import type { DeliveryResult } from "./types.ts";

/** A request a channel makes. */
export interface ChannelRequest {
  /** Full URL (may contain secrets: never logged). */
  url: string;
  /** Method (default POST). */
  method?: string;
  /** Headers. */
  headers?: Record<string, string>;
  /** Body: an object is sent as JSON (with `Content-Type: application/json` unless given), a string as is. */
  body?: unknown;
  /** Aborts the request. */
  signal: AbortSignal;
}

/** Parses `Retry-After` (seconds or an HTTP date) into ms from `now`. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Sends the request: 2xx delivered; 408, 429 and 5xx retryable (honouring `Retry-After`); other 4xx final; network errors and timeouts retryable. */
export async function sendHttp(r: ChannelRequest, now: () => number = Date.now): Promise<DeliveryResult & { status?: number; responseText?: string }> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body: string | undefined;
  if (typeof r.body === "string") body = r.body;
  else if (r.body !== undefined) {
    body = JSON.stringify(r.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(r.url, { method: r.method ?? "POST", headers, ...(body !== undefined ? { body } : {}), signal: r.signal, redirect: "manual" });
  } catch (e) {
    const timedOut = r.signal.aborted;
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
    return { ok: false, retryable: true, error: timedOut ? "timed out" : `request failed: ${cause.replace(/https?:\/\/\S+/g, "<url>")}` };
  }
  const text = await res.text().catch(() => "");
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, responseText: text };
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  const wait = retryAfterMs(res.headers.get("retry-after"), now());
  return { ok: false, retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}), error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, " ")}` : ""}`, status: res.status, responseText: text };
}
