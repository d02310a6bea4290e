/**
 * `GET /emails`: the down notifications of http-monitoring's targets, sent now through the
 * chosen e-mail channels (straight through each channel's notifier, as a test message is: the
 * caller waits for the SMTP server's answer and learns whether it worked).
 */
import { combine } from "../../alerting/render.ts";
import { redactResult } from "../../alerting/secrets.ts";
import type { Channel } from "../../alerting/delivery.ts";
import type { Monitor } from "../../config/model.ts";
import type { MonitorState } from "../../core/monitor-state.ts";
import { errorMessage } from "../../lib/errors.ts";
import type { DeliveryResult, Notification } from "../../notifiers/types.ts";
import { type LastCheck, pythonTimestamp, type Target } from "./targets.ts";

/** Time allowed for one channel (ms). */
export const EMAIL_TIMEOUT_MS = 15_000;

/** A target that is down now. */
export interface DownTarget {
  /** Its monitor. */
  monitor: Monitor;
  /** The target. */
  target: Target;
  /** Its state (with the open incident). */
  state: MonitorState;
  /** Its last check, when known. */
  last?: LastCheck;
}

/** One notification naming every down target (one message per channel, whatever their number). */
export function downNotification(down: readonly DownTarget[], at: number): Notification {
  return combine(
    down.map(({ monitor, target, state, last }) => {
      const name = target.title ?? target.endpoint;
      const got = last?.statusCode !== undefined ? `HTTP ${last.statusCode}` : "no answer";
      const cause = state.incident?.cause ?? got;
      const since = state.incident?.openedAt ?? state.since;
      const key = `${monitor.id}#${state.incident?.number ?? 0}`;
      return {
        kind: "incident.opened",
        severity: "critical",
        title: `DOWN: ${name}`,
        text: [`${name} is down: ${cause}`, `Target: ${target.endpoint}`, `Expected HTTP ${target.expected}, got ${got}`, `Down since ${pythonTimestamp(since)} UTC`].join("\n"),
        monitors: [{ id: monitor.id, name, status: "down", group: monitor.groupPath, target: target.endpoint, cause, labels: {}, openedAt: since, ...(state.incident ? { incident: state.incident.number } : {}) }],
        at,
        dedupKey: `upbeat:${key}`,
        idempotencyKey: `http-monitoring:emails:${key}:${at}`,
      } satisfies Notification;
    }),
  );
}

/** How sending through one channel went. */
export interface EmailOutcome {
  /** Channel name. */
  channel: string;
  /** Whether the SMTP server took it. */
  sent: boolean;
  /** Why not (without secrets). */
  error?: string;
}

/** Sends `n` through each named channel, all at once; never throws. */
export async function sendThrough(names: readonly string[], channels: ReadonlyMap<string, Channel> | undefined, n: Notification, now: () => number): Promise<EmailOutcome[]> {
  return Promise.all(
    names.map(async (name): Promise<EmailOutcome> => {
      const channel = channels?.get(name);
      if (!channel) return { channel: name, sent: false, error: "no such channel" };
      let r: DeliveryResult;
      try {
        r = await channel.notifier.send(channel.settings, { ...n, idempotencyKey: `${n.idempotencyKey}:${name}` }, { signal: AbortSignal.timeout(EMAIL_TIMEOUT_MS), now });
      } catch (e) {
        r = { ok: false, retryable: true, error: `channel error: ${errorMessage(e)}` };
      }
      r = redactResult(channel, r);
      return r.ok ? { channel: name, sent: true } : { channel: name, sent: false, error: r.error };
    }),
  );
}
