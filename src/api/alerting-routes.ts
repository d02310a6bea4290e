/**
 * Alerting routes of `/api/v1`: the channels in force (secrets masked), a test message to one of
 * them, and the deliveries queue with its dead letters and a retry. Nothing here returns a
 * channel secret: settings are masked per the notifier's schema and every error text goes
 * through the channel's redactor.
 *
 * Until API authentication lands these routes are open like the other `/api/v1` routes, so
 * `POST …/test` and `…/retry` are open too; Upbeat listens on 127.0.0.1 unless told otherwise.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Channel } from "../alerting/delivery.ts";
import { channelRedactor, maskSettings } from "../alerting/secrets.ts";
import { sendTestNotification, TEST_TIMEOUT_MS } from "../alerting/test-notification.ts";
import type { Store, StoredDelivery } from "../store/types.ts";
import { sendError } from "./app.ts";
import { type ChannelRoutesDeps, channelView } from "./channel-routes.ts";

/** What the alerting routes read from. */
export interface AlertingRoutesDeps {
  /** The channels in force (undefined while starting). */
  channels: () => ReadonlyMap<string, Channel> | undefined;
  /** The store. */
  store: Store;
  /** Wakes the delivery loop (after a retry). */
  kick: () => void;
  /** Logger. */
  log: Logger;
  /** Epoch-ms clock. */
  now?: () => number;
  /** Time allowed for a test message (ms). */
  testTimeoutMs?: number;
  /** Dashboard link put in test messages. */
  publicUrl?: string;
  /** Where each channel is defined (file or API), for the list; with it, API channels left out of force are listed too. */
  objects?: ChannelRoutesDeps;
}

/** The API's names for delivery states: the store's `done` is `sent`. */
const API_STATUS = { pending: "pending", done: "sent", dead: "dead", held: "held", suppressed: "suppressed" } as const satisfies Record<StoredDelivery["status"], string>;
const STORE_STATUS = { pending: "pending", sent: "done", dead: "dead", held: "held", suppressed: "suppressed" } as const satisfies Record<string, StoredDelivery["status"]>;

const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal("pending"), Type.Literal("sent"), Type.Literal("dead"), Type.Literal("held"), Type.Literal("suppressed")], {
        description: "Only deliveries in this state: held waits for a parent to recover; suppressed was stopped by maintenance, a silence or flapping (lastError says which).",
      }),
    ),
    channel: Type.Optional(Type.String({ minLength: 1, description: "Only deliveries to this channel." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const NameParams = Type.Object({ name: Type.String({ minLength: 1 }) });
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, description: "The delivery's key, URL-encoded." }) });

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** What a delivery's stored notification says, as far as the list shows it. */
function notificationSummary(payload: unknown) {
  const p = (typeof payload === "object" && payload !== null ? payload : {}) as Record<string, unknown>;
  const monitors = Array.isArray(p.monitors) ? p.monitors.map((m) => str((m as Record<string, unknown> | null)?.id)).filter((id): id is string => id !== undefined) : [];
  return { kind: str(p.kind) ?? null, severity: str(p.severity) ?? null, title: str(p.title) ?? null, at: typeof p.at === "number" ? p.at : null, monitors };
}

/** Registers the routes on `app`. */
export async function alertingRoutes(app: FastifyInstance, d: AlertingRoutesDeps): Promise<void> {
  const now = d.now ?? Date.now;
  const testing = new Set<string>();

  /** A delivery as the API shows it; its error masked with the channel's secrets (rows stored before masking existed too). */
  const deliveryJson = (x: StoredDelivery) => {
    const ch = d.channels()?.get(x.channel);
    const lastError = x.lastError === undefined ? null : ch ? channelRedactor(ch)(x.lastError) : x.lastError;
    return { key: x.key, channel: x.channel, status: API_STATUS[x.status], attempts: x.attempts, lastError, createdAt: x.createdAt, notBefore: x.notBefore, doneAt: x.doneAt ?? null, notification: notificationSummary(x.payload) };
  };

  app.get("/api/v1/channels", async (_req, reply) => {
    const channels = d.channels();
    if (!channels) return sendError(reply, 503, "UPBEAT_NOT_READY", "starting or stopping");
    const list = [...channels.values()].sort((a, b) => a.name.localeCompare(b.name));
    const o = d.objects;
    if (!o) return { channels: list.map((c) => ({ name: c.name, type: c.kind, settings: maskSettings(c.notifier.schema, c.settings) })) };
    const idle = (o.live()?.objects("channel") ?? []).filter((x) => !channels.has(x.name)).map((x) => x.name);
    return { channels: [...list.map((c) => c.name), ...idle].sort().flatMap((name) => channelView(o, name) ?? []) };
  });

  app.post<{ Params: Static<typeof NameParams> }>("/api/v1/channels/:name/test", { schema: { params: NameParams } }, async (req, reply) => {
    const channels = d.channels();
    if (!channels) return sendError(reply, 503, "UPBEAT_NOT_READY", "starting or stopping");
    const channel = channels.get(req.params.name);
    if (!channel) return sendError(reply, 404, "UPBEAT_CHANNEL_NOT_FOUND", `no channel "${req.params.name}"`);
    // One test per channel at a time: a double click sends one message, not two.
    if (testing.has(channel.name)) return sendError(reply, 409, "UPBEAT_TEST_RUNNING", `a test message to "${channel.name}" is being sent`);
    testing.add(channel.name);
    try {
      const r = await sendTestNotification(channel, { now, timeoutMs: d.testTimeoutMs ?? TEST_TIMEOUT_MS, ...(d.publicUrl ? { publicUrl: d.publicUrl } : {}) });
      d.log.info({ channel: r.channel, kind: r.type, delivered: r.delivered, durationMs: r.durationMs, ...(r.error ? { err: r.error } : {}) }, "test notification sent");
      return reply.code(r.delivered ? 200 : 502).send(r);
    } finally {
      testing.delete(channel.name);
    }
  });

  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>("/api/v1/deliveries", { schema: { querystring: DeliveriesQuery } }, async (req) => {
    const { status, channel, limit = 100 } = req.query;
    const rows = await d.store.deliveries({ limit, ...(status ? { status: STORE_STATUS[status] } : {}), ...(channel ? { channel } : {}) });
    return { deliveries: rows.map(deliveryJson) };
  });

  app.post<{ Params: Static<typeof KeyParams> }>("/api/v1/deliveries/:key/retry", { schema: { params: KeyParams } }, async (req, reply) => {
    const { key } = req.params;
    const [found] = await d.store.deliveries({ key, limit: 1 });
    if (!found) return sendError(reply, 404, "UPBEAT_DELIVERY_NOT_FOUND", `no delivery "${key}"`);
    if (found.status !== "dead") return sendError(reply, 409, "UPBEAT_DELIVERY_NOT_DEAD", `delivery "${key}" is ${API_STATUS[found.status]}; only dead deliveries are retried`);
    if (!d.channels()?.has(found.channel)) return sendError(reply, 409, "UPBEAT_CHANNEL_NOT_FOUND", `channel "${found.channel}" is not configured; retrying would fail again`);
    await d.store.requeueDeliveries([key], now());
    d.kick();
    d.log.info({ channel: found.channel, key }, "dead delivery queued again");
    const [after] = await d.store.deliveries({ key, limit: 1 });
    return { delivery: deliveryJson(after ?? found) };
  });
}
