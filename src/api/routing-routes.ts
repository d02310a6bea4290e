/**
 * Notification routes managed through the API: `GET/POST /api/v1/routes`, `GET/PUT/DELETE
 * /api/v1/routes/:name`. A route's body is a node of the routing tree as written in a config file
 * (`matchers`, `channels`, `groupBy`, timings, `continue`, child `routes`) plus its `name`.
 *
 * Order: the root is the file's `routes:` (an empty root when no file sets one); its children are
 * the file's top-level routes, in file order, then the API routes sorted by name. The first child
 * that matches takes a notification unless it says `continue: true`, so an API route sees only
 * what no earlier file route kept. File routes are listed as `routes[0]`, `routes[1]`, … and are
 * read-only.
 */
import type { FastifyInstance } from "fastify";
import { apiRoutes } from "../config/effective.ts";
import type { LiveConfig } from "../config/live-config.ts";
import type { RouteConfig } from "../config/model.ts";
import { sendError } from "./app.ts";
import { answer, auditOf, authorOf, liveOr503, type NameParams, type ObjectRoutesDeps } from "./object-routes.ts";

/** How the API explains the order of routes. */
export const ROUTE_ORDER = "The root is the file's routes: entry; its children are tried in order: the file's top-level routes first (in file order), then the API routes sorted by name. The first match takes a notification unless it has continue: true.";

const FILE_ROUTE = /^routes\[(\d+)\]$/;

/** Every top-level route in the order they are tried, file routes first. */
function routeList(live: LiveConfig) {
  const files = live.effective.files;
  const fileChildren = files.routes?.root.routes ?? [];
  const active = new Set(live.effective.objects.filter((o) => o.kind === "route"));
  const inForce = apiRoutes(live.effective.objects).map((r) => r.name);
  const fileItems = fileChildren.map((r, i) => ({ name: `routes[${i}]`, position: i, source: files.routes?.file ?? "", readOnly: true, active: true, spec: r }));
  const apiItems = [...live.objects("route")]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((o) => {
      const at = inForce.indexOf(o.name);
      return { name: o.name, position: at < 0 ? null : fileChildren.length + at, source: "api", readOnly: false, active: active.has(o), spec: o.spec, ...auditOf(o) };
    });
  return [...fileItems, ...apiItems];
}

/** The root route without its children. */
function rootOf(live: LiveConfig) {
  const r = live.effective.files.routes;
  if (!r) return { source: null, readOnly: true, spec: {} };
  const { routes: _children, ...spec } = r.root as RouteConfig;
  return { source: r.file, readOnly: true, spec };
}

/** Registers the routes. */
export async function routingRoutes(app: FastifyInstance, d: ObjectRoutesDeps): Promise<void> {
  app.get("/api/v1/routes", async (_req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    return { order: ROUTE_ORDER, root: rootOf(live), routes: routeList(live) };
  });

  app.get<NameParams>("/api/v1/routes/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    const found = routeList(live).find((r) => r.name === req.params.name);
    if (!found) return sendError(reply, 404, "UPBEAT_ROUTE_NOT_FOUND", `no route "${req.params.name}"`);
    return { route: found };
  });

  const fileRoute = (live: LiveConfig, name: string) => {
    const m = FILE_ROUTE.exec(name);
    const file = live.effective.files.routes;
    return m && file && Number(m[1]) < (file.root.routes?.length ?? 0) ? file.file : undefined;
  };
  const refuseFile = (name: string, file: string) => ({ statusCode: 409, code: "UPBEAT_DEFINED_IN_FILE", message: `route ${name} is defined in ${file}; change it there (routes from files are read-only in the API)` });

  app.post("/api/v1/routes", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    return answer(reply, async () => {
      const { object } = await live.put("route", undefined, req.body, authorOf(req), true);
      return reply.code(201).send({ route: routeList(live).find((r) => r.name === object.name) });
    });
  });

  app.put<NameParams>("/api/v1/routes/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    const file = fileRoute(live, req.params.name);
    if (file) return reply.code(409).send(refuseFile(req.params.name, file));
    return answer(reply, async () => {
      const { object, created } = await live.put("route", req.params.name, req.body, authorOf(req), false);
      return reply.code(created ? 201 : 200).send({ route: routeList(live).find((r) => r.name === object.name) });
    });
  });

  app.delete<NameParams>("/api/v1/routes/:name", async (req, reply) => {
    const live = liveOr503(d, reply);
    if (!live) return reply;
    const file = fileRoute(live, req.params.name);
    if (file) return reply.code(409).send(refuseFile(req.params.name, file));
    return answer(reply, async () => {
      if (!(await live.remove("route", req.params.name))) return sendError(reply, 404, "UPBEAT_ROUTE_NOT_FOUND", `no route "${req.params.name}" made through the API`);
      return reply.code(204).send();
    });
  });
}
