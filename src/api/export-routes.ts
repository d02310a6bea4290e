/**
 * `GET /api/v1/config/export` (admins): the whole configuration in force as one native YAML
 * file. `?secrets=include` writes secrets in clear text; by default they are masked, and such a
 * file does not load back with working secrets.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { NotifierRegistry } from "../alerting/config.ts";
import { exportYaml } from "../config/export.ts";
import type { Monitor } from "../config/model.ts";
import type { Engine } from "../engine/engine.ts";
import { sendError } from "./app.ts";
import type { ObjectRoutesDeps } from "./object-routes.ts";

/** What the export needs. */
export interface ExportRoutesDeps extends ObjectRoutesDeps {
  /** The engine: every running monitor, whatever its source. */
  engine: () => Engine | undefined;
  /** Channel types. */
  registry: NotifierRegistry;
  /** Epoch-ms clock. */
  now?: () => number;
}

const ExportQuery = Type.Object(
  { secrets: Type.Optional(Type.Union([Type.Literal("mask"), Type.Literal("include")], { default: "mask", description: "`include` writes channel, header and ping-key secrets in clear text." })) },
  { additionalProperties: false },
);

/** Lovebeat alarms are made from Lovebeat's own config (`[[alarms]]`), not monitors one writes. */
const isLovebeatAlarm = (m: Monitor) => m.source.format === "lovebeat" && m.id.startsWith("lovebeat-alarm/");

/** The running monitors: the files' first, in file order, then the others by id. */
export function runningMonitors(engine: Engine, fileOrder: readonly Monitor[]): Monitor[] {
  const ids = engine.states().map((s) => s.monitorId);
  const rank = new Map(fileOrder.map((m, i) => [m.id, i]));
  const all = ids.flatMap((id) => engine.get(id)?.monitor ?? []);
  return all.sort((a, b) => (rank.get(a.id) ?? Infinity) - (rank.get(b.id) ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Registers the route. */
export async function exportRoutes(app: FastifyInstance, d: ExportRoutesDeps): Promise<void> {
  app.get<{ Querystring: Static<typeof ExportQuery> }>("/api/v1/config/export", { schema: { querystring: ExportQuery }, config: { access: "admin" } }, async (req, reply) => {
    const live = d.live();
    const engine = d.engine();
    if (!live || !engine) return sendError(reply, 503, "UPBEAT_NOT_READY", "starting or stopping");
    const config = live.effective.config;
    const running = runningMonitors(engine, config.monitors);
    const skipped = running.filter(isLovebeatAlarm).map((m) => ({ id: m.id, why: "a Lovebeat alarm, made from Lovebeat's [[alarms]]" }));
    const secrets = req.query.secrets === "include";
    const yaml = exportYaml({ config, monitors: running.filter((m) => !isLovebeatAlarm(m)), registry: d.registry, secrets, at: (d.now ?? Date.now)(), skipped });
    return reply.header("content-type", "application/yaml; charset=utf-8").header("content-disposition", 'inline; filename="upbeat.yaml"').header("cache-control", "no-store").send(yaml);
  });
}
