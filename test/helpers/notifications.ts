/** Sample notifications, a channel context, and the delivery-failure cases every HTTP channel must pass. */
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { test } from "node:test";
import type { ChannelContext, Notification, Notifier } from "../../src/notifiers/types.ts";
import { closedPort, startHttpServer, type SeenRequest, type TestServer } from "./http-server.ts";

/** 2024-05-01T12:00:00.000Z, the moment every sample happens. */
export const SAMPLE_AT = Date.UTC(2024, 4, 1, 12, 0, 0);

/** A one-monitor "checkout is down" notification; `over` replaces top-level fields. */
export function sampleNotification(over: Partial<Notification> = {}): Notification {
  return {
    kind: "incident.opened",
    severity: "critical",
    title: "DOWN: shop / checkout (HTTP 503)",
    text: "checkout is down: HTTP 503\nsince 12:00 UTC",
    monitors: [
      {
        id: "shop.checkout",
        name: "checkout",
        status: "down",
        group: ["shop"],
        target: "https://shop.example.com/checkout",
        cause: "HTTP 503",
        incident: 7,
        openedAt: SAMPLE_AT,
        labels: { team: "payments" },
      },
    ],
    at: SAMPLE_AT,
    dedupKey: "shop.checkout#7",
    idempotencyKey: "shop.checkout#7:opened:ch1",
    url: "https://upbeat.example.com/monitors/shop.checkout",
    ...over,
  };
}

/** The matching "checkout recovered" notification. */
export function resolvedNotification(over: Partial<Notification> = {}): Notification {
  const base = sampleNotification();
  return sampleNotification({
    kind: "incident.resolved",
    severity: "resolved",
    title: "UP: shop / checkout after 5 minutes",
    text: "checkout is up again after 5 minutes",
    monitors: base.monitors.map((m) => ({ ...m, status: "up", resolvedAt: SAMPLE_AT + 300_000, durationText: "5 minutes" })),
    at: SAMPLE_AT + 300_000,
    idempotencyKey: "shop.checkout#7:resolved:ch1",
    ...over,
  });
}

/** A Lovebeat alarm transition (compat §2.9) wrapped in a notification. */
export function lovebeatNotification(previous = "ok", current = "error", failedServices = ["app.alpha.health", "app.alpha.db"]): Notification {
  return sampleNotification({
    compat: { tool: "lovebeat", alarm: "server-alpha", previous, current, incident: 2, failedServices, publicUrl: "http://lb/" },
  });
}

/** A Cupcake alert (compat §1.6) wrapped in a notification. */
export function cupcakeNotification(message: string): Notification {
  return sampleNotification({ compat: { tool: "cupcake", message, incident: {} } });
}

/** A channel context with a fresh delivery timeout. */
export function channelCtx(timeoutMs = 3000): ChannelContext {
  return { signal: AbortSignal.timeout(timeoutMs), now: Date.now };
}

/** What a test receiver answers to every request. */
export interface Answer {
  /** Status (default 200). */
  status?: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** Response body text. */
  body?: string;
}

/** A receiver answering every request with `status` (and optional headers and body text). */
export function receiver(status = 200, headers: Record<string, string> = {}, body = ""): Promise<TestServer> {
  return startHttpServer((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, headers);
    res.end(body);
  });
}

/** Runs `fn` against a fresh receiver answering `answer` (default: a bare 200), and closes the receiver afterwards. */
export async function withReceiver<T>(fn: (s: TestServer) => Promise<T>): Promise<T>;
export async function withReceiver<T>(answer: Answer, fn: (s: TestServer) => Promise<T>): Promise<T>;
export async function withReceiver<T>(a: Answer | ((s: TestServer) => Promise<T>), b?: (s: TestServer) => Promise<T>): Promise<T> {
  const [answer, fn] = typeof a === "function" ? [{}, a] : [a, b];
  assert.ok(fn);
  const s = await receiver(answer.status, answer.headers, answer.body);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** The one request a server saw; `json` parses its body when read (so a form or text body is fine too). */
export function onlyRequest(s: TestServer): SeenRequest & { readonly json: unknown } {
  assert.equal(s.requests.length, 1, "exactly one request");
  const r = s.requests[0];
  assert.ok(r);
  return {
    ...r,
    get json(): unknown {
      return JSON.parse(r.body) as unknown;
    },
  };
}

/**
 * Sends `n` through `notifier` to a fresh receiver (answering `answer`; `settingsFor` gets its base URL),
 * asserts it was delivered, and returns the one request the receiver saw.
 */
export function deliverOne<C>(
  notifier: Notifier<C>,
  settingsFor: (url: string) => C,
  n: Notification = sampleNotification(),
  answer: Answer = {},
): Promise<SeenRequest & { readonly json: unknown }> {
  return withReceiver(answer, async (s) => {
    assert.deepEqual(await notifier.send(settingsFor(s.url), n, channelCtx()), { ok: true });
    return onlyRequest(s);
  });
}

/** How {@link deliveryFailureTests} reaches a channel. */
export interface FailureOptions {
  /** Appended to the receiver's base URL before `settingsFor` gets it (default `/hook/T000/SECRET`; `""` for channels that take a base URL). */
  path?: string;
  /** Strings from the settings (tokens, keys, topics) that no error may show, besides the URL (default `["SECRET"]`). */
  hidden?: string[];
  /** Client-error statuses that must be final (default 400). */
  finalStatuses?: number[];
}

/**
 * Registers the failure cases every HTTP channel shares: 500 retryable, 429 with `Retry-After: 7`,
 * each final status (400 unless told) final with the receiver's answer in the error, an unreachable
 * port retryable without the URL or any hidden string (a token, say) in the error.
 */
export function deliveryFailureTests<C>(notifier: Notifier<C>, settingsFor: (url: string) => C, options: FailureOptions = {}): void {
  const { path = "/hook/T000/SECRET", hidden = ["SECRET"], finalStatuses = [400] } = options;
  const attempt = (status: number, headers: Record<string, string> = {}) =>
    withReceiver({ status, headers, body: "nope" }, (s) => notifier.send(settingsFor(`${s.url}${path}`), sampleNotification(), channelCtx()));
  test("a 500 answer is retryable", async () => {
    const r = await attempt(500);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.retryable);
  });
  test("a 429 with Retry-After: 7 asks to wait 7 s", async () => {
    const r = await attempt(429, { "Retry-After": "7" });
    assert.ok(!r.ok && r.retryable);
    assert.equal(!r.ok && r.retryAfterMs, 7000);
  });
  for (const status of finalStatuses) {
    test(`a ${status} answer is final and the error holds the answer`, async () => {
      const r = await attempt(status);
      assert.ok(!r.ok && !r.retryable);
      assert.match(!r.ok ? r.error : "", new RegExp(`^HTTP ${status}: nope`));
    });
  }
  test("an unreachable receiver is retryable and the error does not show the URL", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}${path}`;
    const r = await notifier.send(settingsFor(url), sampleNotification(), channelCtx());
    assert.ok(!r.ok && r.retryable);
    assert.ok(!r.ok && !r.error.includes(url), r.error);
    for (const h of hidden) assert.ok(!r.ok && !r.error.includes(h), `${h} in ${!r.ok ? r.error : ""}`);
  });
}
