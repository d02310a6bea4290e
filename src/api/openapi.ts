/**
 * The OpenAPI document of `/api/v1` (`/api/v1/openapi.json`, OpenAPI 3.1) built by
 * @fastify/swagger from the TypeBox schemas of the routes, and a docs page at `/api/v1/docs`
 * (@fastify/swagger-ui, served from node_modules: no request leaves the machine). Both are
 * public. Register before any route: routes registered earlier are missing from the document.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifySchema } from "fastify";
import { UPBEAT_VERSION } from "../lib/version.ts";
import { ErrorBody, IdParams } from "./api-schemas.ts";

const DESCRIPTION = [
  "Upbeat's REST API. Errors have one shape: `{ code, message, statusCode }` with a stable `UPBEAT_*` code; a refused body also lists its `problems` by field path.",
  "",
  "Authenticate with a session cookie (then send `X-CSRF-Token` on writes) or an API key: `Authorization: Bearer <key>`. Reads need the viewer role, writes the editor role.",
  "",
  "Monitor ids contain `/`: put an id in a path URL-encoded as one segment (`/api/v1/monitors/shop%2Fcheckout/results`). `GET|PUT|PATCH|DELETE /api/v1/monitors/{id}` also accept the slashes as they are.",
].join("\n");

/**
 * Only `/api/v1` is documented here (pings, Lovebeat's API and the compatible APIs follow their
 * own tools' documents). The wildcard monitor routes (`/api/v1/monitors/*`) are shown as
 * `/api/v1/monitors/{id}`, which they also are.
 */
function transform({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  if (!url.startsWith("/api/v1/") && url !== "/api/v1") return { schema: { ...schema, hide: true }, url };
  if (!url.endsWith("/*")) return { schema, url };
  return { schema: { ...schema, params: IdParams }, url: `${url.slice(0, -2)}/:id` };
}

/** Registers the document, its route and the docs page on the root (so that every later route is seen). */
export function registerOpenApi(app: FastifyInstance): void {
  app.addSchema(ErrorBody);
  void app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Upbeat API", version: UPBEAT_VERSION, description: DESCRIPTION },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An API key." }, session: { type: "apiKey", in: "cookie", name: "upbeat_session" } } },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform,
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
  });
  void app.register(async (scope) => {
    scope.get("/api/v1/openapi.json", { config: { access: "public" }, schema: { tags: ["meta"], summary: "This document (OpenAPI 3.1)", security: [], response: { 200: { type: "object", additionalProperties: true } } } }, async () => app.swagger());
    // The docs page and its assets are public like the document they show.
    scope.addHook("onRoute", (r) => {
      r.config = { ...(r.config as object), access: "public" };
    });
    await scope.register(swaggerUi, { routePrefix: "/api/v1/docs", uiConfig: { url: "/api/v1/openapi.json", deepLinking: true }, staticCSP: true });
  });
}
