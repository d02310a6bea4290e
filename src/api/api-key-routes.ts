/**
 * API keys: `GET/POST /api/v1/api-keys`, `DELETE /api/v1/api-keys/:id`. Everyone manages their
 * own keys (a viewer's keys read, whatever they are); an admin sees and revokes everyone's. The
 * secret is in the answer to the POST and nowhere else, ever.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import { apiKeyById, createApiKey, listApiKeys, revokeApiKey } from "../auth/api-keys.ts";
import type { Database } from "../store/schema.ts";
import { sendError } from "./app.ts";

/** What the routes use. */
export interface ApiKeyRouteDeps {
  /** The store's query builder. */
  db: Kysely<Database>;
  /** Epoch-ms clock. */
  now: () => number;
}

const NewKey = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: "What the key is for (shown in lists)." }),
    readOnly: Type.Optional(Type.Boolean({ default: true, description: "A read-only key can only read; a read-write key acts with its owner's role. Default: read-only." })),
    expiresAt: Type.Optional(Type.Integer({ minimum: 0, description: "Epoch ms after which the key stops working (default: never)." })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    revoked: Type.Optional(Type.Boolean({ description: "Include revoked keys." })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "Only this user's keys (admins)." })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Registers the routes. */
export async function apiKeyRoutes(app: FastifyInstance, d: ApiKeyRouteDeps): Promise<void> {
  // Viewers may hold keys too (theirs only ever read), so every route needs only a login.
  const anyUser = { access: "viewer" as const };

  app.get<{ Querystring: Static<typeof ListQuery> }>("/api/v1/api-keys", { schema: { querystring: ListQuery }, config: anyUser }, async (req) => {
    const p = req.principal;
    const isAdmin = p?.role === "admin";
    const userId = isAdmin ? req.query.user : p?.userId;
    return { apiKeys: await listApiKeys(d.db, { ...(userId !== undefined ? { userId } : {}), revoked: req.query.revoked === true }) };
  });

  app.post<{ Body: Static<typeof NewKey> }>("/api/v1/api-keys", { schema: { body: NewKey }, config: anyUser }, async (req, reply) => {
    const p = req.principal;
    if (!p) return sendError(reply, 401, "UPBEAT_UNAUTHENTICATED", "log in or send an API key");
    const { name, readOnly = true, expiresAt } = req.body;
    if (expiresAt !== undefined && expiresAt <= d.now()) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", "body/expiresAt is in the past");
    const made = await createApiKey(d.db, { name, userId: p.userId, readOnly, ...(expiresAt !== undefined ? { expiresAt } : {}) }, d.now());
    return reply.code(201).send({ apiKey: { ...made.key, userName: p.name }, secret: made.secret });
  });

  app.delete<{ Params: Static<typeof IdParams> }>("/api/v1/api-keys/:id", { schema: { params: IdParams }, config: anyUser }, async (req, reply) => {
    const p = req.principal;
    const key = await apiKeyById(d.db, req.params.id);
    // Another user's key is "not found" to a non-admin: its existence is not theirs to know.
    if (!key || !p || (p.role !== "admin" && key.userId !== p.userId) || key.revokedAt !== null) return sendError(reply, 404, "UPBEAT_API_KEY_NOT_FOUND", `no API key "${req.params.id}"`);
    await revokeApiKey(d.db, key.id, d.now());
    return reply.code(204).send();
  });
}
