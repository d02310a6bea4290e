/**
 * Maintenance windows over HTTP: `GET/POST /api/v1/maintenance`, `GET/PUT/DELETE
 * /api/v1/maintenance/:name`. The body is a window as written in a config file (`name`,
 * `matchers`, `start`+`end` or `cron`+`duration`+`timezone`, `comment`). Windows from files are
 * listed with their source and are read-only. A change takes effect at once: monitors a window
 * covers go into maintenance (or come out of it) without waiting for the next check.
 */
import type { FastifyInstance } from "fastify";
import type { MaintenanceWindow } from "../core/maintenance.ts";
import type { MaintenanceConfig } from "../config/maintenance.ts";
import type { ApiObject } from "../config/api-objects.ts";
import type { Engine } from "../engine/engine.ts";
import { sendError } from "./app.ts";
import { answer, auditOf, authorOf, liveOr503, type NameParams, type ObjectRoutesDeps } from "./object-routes.ts";

/** What the routes need. */
export interface MaintenanceRoutesDeps extends ObjectRoutesDeps {
  /** The engine (knows which windows are open and whom they cover). */
  engine: () => Engine | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

type WindowInfo = { window: MaintenanceWindow; open?: { from: number; to: number }; monitors: number };

/** One window as the API shows it. */
function windowJson(w: WindowInfo | undefined, stored: ApiObject | undefined, source: string) {
  const spec = stored?.spec as { matchers?: string[]; start?: string; end?: string; cron?: string; timezone?: string; duration?: unknown; comment?: string } | undefined;
  const win = w?.window;
  const times = win ? (win.start !== undefined ? { start: iso(win.start), end: iso(win.end as number) } : { cron: win.cron?.expr, timezone: win.cron?.timezone, duration: `${Math.round((win.durationMs ?? 0) / 1000)}s` }) : spec?.cron !== undefined ? { cron: spec.cron, timezone: spec.timezone ?? "UTC", duration: spec.duration } : { start: spec?.start, end: spec?.end };
  const comment = win?.comment ?? spec?.comment;
  return {
    name: win?.name ?? stored?.name,
    matchers: win ? win.matchers.map((m) => `${m.label}${m.op}${m.value}`) : (spec?.matchers ?? []),
    ...times,
    ...(comment ? { comment } : {}),
    open: w?.open ? { from: iso(w.open.from), to: iso(w.open.to) } : null,
    monitors: w?.monitors ?? 0,
    source,
    readOnly: source !== "api",
    active: w !== undefined,
    ...(stored ? { spec: stored.spec } : {}),
    ...auditOf(stored),
  };
}

/** Registers the routes. */
export async function maintenanceRoutes(app: FastifyInstance, d: MaintenanceRoutesDeps): Promise<void> {
  const list = () => {
    const e = d.engine();
    const live = d.live();
    if (!e || !live) return undefined;
    const stored = new Map(live.objects("maintenance").map((o) => [o.name, o]));
    const running = e.maintenanceWindows();
    const shown = running.map((w) => {
      const source = (w.window as Partial<MaintenanceConfig>).file ?? "unknown";
      return windowJson(w, source === "api" ? stored.get(w.window.name) : undefined, source);
    });
    const inForce = new Set(running.filter((w) => (w.window as Partial<MaintenanceConfig>).file === "api").map((w) => w.window.name));
    const idle = [...stored.values()].filter((o) => !inForce.has(o.name)).map((o) => windowJson(undefined, o, "api"));
    return [...shown, ...idle];
  };

  app.get("/api/v1/maintenance", async (_req, reply) => {
    const windows = list();
    if (!windows) return sendError(reply, 503, "UPBEAT_NOT_READY", "the engine is starting");
    return { windows };
  });

  app.get<NameParams>("/api/v1/maintenance/:name", async (req, reply) => {
    const windows = list();
    if (!windows) return sendError(reply, 503, "UPBEAT_NOT_READY", "the engine is starting");
    const found = windows.find((w) => w.name === req.params.name);
    if (!found) return sendError(reply, 404, "UPBEAT_MAINTENANCE_NOT_FOUND", `no maintenance window "${req.params.name}"`);
    return { window: found };
  });

  const one = (name: string) => list()?.find((w) => w.name === name);

  app.post("/api/v1/maintenance", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    return answer(reply, async () => {
      const { object } = await live.put("maintenance", undefined, req.body, authorOf(req), true);
      return reply.code(201).send({ window: one(object.name) });
    });
  });

  app.put<NameParams>("/api/v1/maintenance/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    return answer(reply, async () => {
      const { object, created } = await live.put("maintenance", req.params.name, req.body, authorOf(req), false);
      return reply.code(created ? 201 : 200).send({ window: one(object.name) });
    });
  });

  app.delete<NameParams>("/api/v1/maintenance/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    return answer(reply, async () => {
      if (!(await live.remove("maintenance", req.params.name))) return sendError(reply, 404, "UPBEAT_MAINTENANCE_NOT_FOUND", `no maintenance window "${req.params.name}" made through the API`);
      return reply.code(204).send();
    });
  });
}
