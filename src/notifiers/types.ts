/**
 * The one interface every notification channel implements. A channel gets a rendered, channel-
 * neutral notification and its own settings, sends it, and says whether it was delivered or how
 * it failed (so the delivery loop can retry, honour `Retry-After`, or give up). Channels never
 * throw for a failed delivery and never log secrets.
 */
import type { TSchema } from "@sinclair/typebox";

/** Why a notification is sent. */
export type NotificationKind = "incident.opened" | "incident.resolved" | "reminder" | "flapping" | "digest" | "test";

/** How urgent it is (channels map it to their colours and priorities). */
export type Severity = "critical" | "warning" | "info" | "resolved";

/** One monitor a notification is about. */
export interface NotifiedMonitor {
  /** Monitor id. */
  id: string;
  /** Name shown to people. */
  name: string;
  /** Status after the transition (`down`, `up`, …). */
  status: string;
  /** Enclosing group names, outermost first. */
  group: string[];
  /** What was checked (URL, host:port, heartbeat), when there is one. */
  target?: string;
  /** Why it failed (the failure's reason). */
  cause?: string;
  /** Incident number of this monitor. */
  incident?: number;
  /** Epoch ms the incident opened. */
  openedAt?: number;
  /** Epoch ms it resolved. */
  resolvedAt?: number;
  /** How long it was down, in words (`1 hour, 2 minutes`). */
  durationText?: string;
  /** Labels of the monitor. */
  labels: Record<string, string>;
}

/** A rendered notification: the same facts for every channel. */
export interface Notification {
  /** Why it is sent. */
  kind: NotificationKind;
  /** Urgency. */
  severity: Severity;
  /** One line, e.g. `DOWN: shop / checkout (HTTP 503)` or `3 monitors down in shop`. */
  title: string;
  /** Plain-text body (several lines allowed). */
  text: string;
  /** The monitors it is about (one, or several when grouped). */
  monitors: NotifiedMonitor[];
  /** Epoch ms of the transition (or of sending, for digests and tests). */
  at: number;
  /**
   * Stable key of the incident across its open and resolve notifications (PagerDuty `dedup_key`,
   * Opsgenie `alias`): the same for the trigger and the resolve of one incident.
   */
  dedupKey: string;
  /** Unique per (incident, transition, channel): a receiver that dedups on it never shows one twice. */
  idempotencyKey: string;
  /** Link to the monitor or incident in Upbeat's dashboard, when a public URL is configured. */
  url?: string;
  /**
   * The exact message of the tool a monitor came from, for channels that must keep that tool's
   * wire format (Cupcake's Slack text, Lovebeat's webhook fields).
   */
  compat?: CupcakeCompat | LovebeatCompat;
}

/** Cupcake's alert facts (compat §1.5–§1.6). */
export interface CupcakeCompat {
  /** Discriminator. */
  tool: "cupcake";
  /** The alert message (`{repr} expected …` or `{repr} now OK after …\n`). */
  message: string;
  /** The incident dict sent as SNS JSON (keys of compat §1.6). */
  incident: Record<string, unknown>;
}

/** Lovebeat's alarm alert facts (compat §2.9). */
export interface LovebeatCompat {
  /** Discriminator. */
  tool: "lovebeat";
  /** Alarm name. */
  alarm: string;
  /** Previous state, lower case (`ok`, `error`, `new`). */
  previous: string;
  /** Current state, lower case. */
  current: string;
  /** Incident number. */
  incident: number;
  /** Member services in error. */
  failedServices: string[];
  /** `[general] public_url`. */
  publicUrl: string;
}

/** The outcome of one delivery attempt. */
export type DeliveryResult =
  | { ok: true; detail?: string }
  | {
      ok: false;
      /** Worth trying again (timeout, network error, 5xx, 429). */
      retryable: boolean;
      /** The receiver asked to wait this long (`Retry-After`). */
      retryAfterMs?: number;
      /** What went wrong, without secrets. */
      error: string;
    };

/** What a channel gets besides the notification and its settings. */
export interface ChannelContext {
  /** Aborted at the delivery timeout or at shutdown. */
  signal: AbortSignal;
  /** Epoch-ms clock. */
  now: () => number;
}

/** A channel kind: its settings schema and how it sends. */
export interface Notifier<C> {
  /** Settings of one channel of this kind (TypeBox; secrets marked with `secret: true` in the schema's options). */
  schema: TSchema;
  /** Sends one notification. */
  send(settings: C, n: Notification, ctx: ChannelContext): Promise<DeliveryResult>;
}
