/** The OpenAPI document lists every `/api/v1` route with its schema; it and the docs page are public. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance, RouteOptions } from "fastify";
import { quietLog } from "../../test/helpers/engine.ts";
import { sqliteStore, type TestStore } from "../../test/helpers/stores.ts";
import { Alerting } from "../alerting/alerting.ts";
import { alertingRoutes } from "./alerting-routes.ts";
import { buildApp } from "./app.ts";
import { silenceRoutes } from "./silence-routes.ts";

type Operation = { tags?: string[]; summary?: string; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown };
type Doc = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

/** The document's path for a fastify route URL (`:id` → `{id}`; the monitor wildcard is `{id}`). */
const docPath = (url: string): string => url.replace(/\/\*$/, "/{id}").replace(/:([A-Za-z_]+)/g, "{$1}");
const isApi = (r: RouteOptions): boolean => r.url.startsWith("/api/v1/") && !r.url.startsWith("/api/v1/docs");
const methods = (r: RouteOptions): string[] => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== "HEAD").map((m) => m.toLowerCase());

/** Every `$ref` in a value. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "$ref" && typeof x === "string") out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe("OpenAPI", () => {
  let db: TestStore;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  let doc: Doc;

  before(async () => {
    db = await sqliteStore();
    // Nobody is logged in: the document and the docs page must still answer.
    app = buildApp({ access: { resolve: async () => undefined }, store: db.store, engine: () => undefined, ready: () => false, log: quietLog, onRoute: (r) => routes.push(r) });
    const r = await app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    assert.equal(r.statusCode, 200, r.body);
    doc = r.json() as Doc;
  });
  after(async () => {
    await app.close();
    await db.cleanup();
  });

  test("it is an OpenAPI 3 document with the error shape and its references resolved", () => {
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(doc.info.title, "Upbeat API");
    assert.ok(doc.info.version);
    assert.ok(doc.components?.schemas?.Error, "the error shape is a named schema");
    const names = new Set(Object.keys(doc.components?.schemas ?? {}));
    for (const ref of refs(doc.paths)) assert.ok(ref.startsWith("#/components/schemas/") && names.has(ref.slice("#/components/schemas/".length)), `unresolved ${ref}`);
    assert.ok(Object.keys(doc.paths).every((p) => p.startsWith("/api/v1")), "only /api/v1 is documented here");
  });

  test("every /api/v1 route of the app is in it, with tags, its parameters and a response schema", () => {
    const api = routes.filter(isApi);
    assert.ok(api.length >= 20, `only ${api.length} routes seen`);
    const missing: string[] = [];
    for (const r of api) {
      for (const m of methods(r)) {
        const op = doc.paths[docPath(r.url)]?.[m];
        const where = `${m.toUpperCase()} ${r.url}`;
        if (!op) {
          missing.push(`${where}: not in the document`);
          continue;
        }
        if (!op.tags?.length) missing.push(`${where}: no tags`);
        if (!op.summary) missing.push(`${where}: no summary`);
        const ok = Object.entries(op.responses ?? {}).find(([code]) => /^2/.test(code));
        if (!ok || (ok[0] !== "204" && !ok[1].content?.["application/json"]?.schema)) missing.push(`${where}: no schema for its success response`);
        for (const p of docPath(r.url).match(/\{(\w+)\}/g) ?? []) {
          if (!op.parameters?.some((x) => x.in === "path" && `{${x.name}}` === p)) missing.push(`${where}: path parameter ${p} undocumented`);
        }
        if (["post", "put", "patch"].includes(m) && /monitors$|monitors\/\*$|bulk$|notes$/.test(r.url) && !op.requestBody) missing.push(`${where}: body undocumented`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test("the monitor body is documented as a configuration file's monitor entry of each kind", () => {
    const body = doc.paths["/api/v1/monitors"]?.post?.requestBody as { content: Record<string, { schema: { anyOf: Array<{ properties: Record<string, unknown> }> } }> };
    const kinds = body.content["application/json"]?.schema.anyOf.map((s) => (s.properties.type as { const?: string; enum?: string[] }).const ?? (s.properties.type as { enum: string[] }).enum[0]);
    assert.deepEqual(kinds, ["http", "tcp", "dns", "tls", "heartbeat"]);
    assert.ok(body.content["application/json"]?.schema.anyOf.every((s) => s.properties.group && s.properties.interval && s.properties.labels));
  });

  test("the docs page and its assets are served from the package, without credentials", async () => {
    const page = await app.inject({ method: "GET", url: "/api/v1/docs/" });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger-ui/i);
    const js = await app.inject({ method: "GET", url: "/api/v1/docs/static/swagger-ui-bundle.js" });
    assert.equal(js.statusCode, 200);
    assert.ok(js.body.length > 100_000);
    const init = await app.inject({ method: "GET", url: "/api/v1/docs/static/swagger-initializer.js" });
    assert.match(init.body, /\/api\/v1\/openapi\.json/);
    assert.equal((await app.inject({ method: "GET", url: "/api/v1/monitors" })).statusCode, 401, "the API itself is not public");
  });

  test("routes added beside the app (as serve does) are listed too", async () => {
    const seen: RouteOptions[] = [];
    const alerting = new Alerting(db.store, { channels: new Map(), routes: {} }, () => undefined, quietLog);
    const full = buildApp({ access: { resolve: async () => undefined }, store: db.store, engine: () => undefined, ready: () => false, log: quietLog, onRoute: (r) => seen.push(r), extraRoutes: [(s) => silenceRoutes(s, { alerting: () => alerting, now: Date.now })] });
    void full.register((s) => alertingRoutes(s, { channels: () => undefined, kick: () => {}, store: db.store, log: quietLog }));
    try {
      const paths = ((await full.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as Doc).paths;
      const absent = seen.filter(isApi).flatMap((r) => methods(r).filter((m) => !paths[docPath(r.url)]?.[m]).map((m) => `${m} ${r.url}`));
      assert.deepEqual(absent, []);
      assert.ok(paths["/api/v1/silences"] && paths["/api/v1/channels"]);
    } finally {
      await full.close();
    }
  });
});
