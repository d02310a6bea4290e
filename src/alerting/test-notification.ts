/**
 * Test messages: a notification of kind `test` sent straight through a channel's notifier (not
 * queued, not retried), so that a user sees at once whether the channel works and, if not, why.
 * The outcome never holds the channel's secrets.
 */
import { errorMessage } from "../lib/errors.ts";
import type { DeliveryResult, Notification } from "../notifiers/types.ts";
import type { Channel } from "./delivery.ts";
import { redactResult } from "./secrets.ts";

/** Time allowed for a test message unless told otherwise (ms). */
export const TEST_TIMEOUT_MS = 10_000;

/** The test notification for a channel, sent at `at` (epoch ms). */
export function testNotification(channel: string, at: number, publicUrl?: string): Notification {
  const when = new Date(at).toISOString();
  const key = `test:${channel}:${at}`;
  return {
    kind: "test",
    severity: "info",
    title: `Test message from Upbeat to channel "${channel}"`,
    text: `This is a test message from Upbeat, sent at ${when} to check that the channel "${channel}" works. Nothing is down.`,
    monitors: [],
    at,
    dedupKey: key,
    idempotencyKey: key,
    ...(publicUrl ? { url: publicUrl } : {}),
  };
}

/** How a test message went. */
export interface TestOutcome {
  /** Channel name. */
  channel: string;
  /** Channel type. */
  type: string;
  /** Whether the receiver took it. */
  delivered: boolean;
  /** Why not (HTTP status and answer, network error, timeout), without secrets. */
  error?: string;
  /** Whether the delivery loop would have tried again. */
  retryable?: boolean;
  /** What the receiver said, when the channel reports it (SMTP reply, message id). */
  detail?: string;
  /** Time taken (ms). */
  durationMs: number;
}

/** Options of {@link sendTestNotification}. */
export interface TestOptions {
  /** Epoch-ms clock. */
  now?: () => number;
  /** Time allowed (ms). */
  timeoutMs?: number;
  /** Aborts the send (shutdown, Ctrl-C). */
  signal?: AbortSignal;
  /** Dashboard link put in the message. */
  publicUrl?: string;
}

/** Sends the test notification through the channel now and says what happened; never throws. */
export async function sendTestNotification(channel: Channel, o: TestOptions = {}): Promise<TestOutcome> {
  const now = o.now ?? Date.now;
  const timeout = AbortSignal.timeout(o.timeoutMs ?? TEST_TIMEOUT_MS);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  const started = performance.now();
  let r: DeliveryResult;
  try {
    r = await channel.notifier.send(channel.settings, testNotification(channel.name, now(), o.publicUrl), { signal, now });
  } catch (e) {
    r = { ok: false, retryable: true, error: `channel error: ${errorMessage(e)}` };
  }
  if (!r.ok && o.signal?.aborted) r = { ...r, error: "aborted" };
  r = redactResult(channel, r);
  const base = { channel: channel.name, type: channel.kind, durationMs: Math.round(performance.now() - started) };
  if (r.ok) return { ...base, delivered: true, ...(r.detail !== undefined ? { detail: r.detail } : {}) };
  return { ...base, delivered: false, error: r.error, retryable: r.retryable };
}
