/**
 * Users, for admins: `GET/POST /api/v1/users`, `GET/PATCH/DELETE /api/v1/users/:id`. The last
 * admin who can log in cannot be deleted, demoted or disabled; deleting or disabling a user ends
 * their sessions and revokes their API keys.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Kysely } from "kysely";
import { ROLES } from "./access.ts";
import type { AuthAccess } from "../auth/access.ts";
import { revokeUserKeys } from "../auth/api-keys.ts";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../auth/passwords.ts";
import { deleteUserSessions } from "../auth/sessions.ts";
import { deleteUserRow, insertUser, listUsers, otherActiveAdmins, type UserChange, userById, userByName, userOf, type UserRow, updateUser } from "../auth/users.ts";
import type { Database } from "../store/schema.ts";
import { sendError } from "./app.ts";

/** What the routes use. */
export interface UserRouteDeps {
  /** The store's query builder. */
  db: Kysely<Database>;
  /** The access in force (which session is the caller's own). */
  access: AuthAccess;
  /** Epoch-ms clock. */
  now: () => number;
}

const Name = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", description: "Login name: letters, digits, `.`, `_`, `@`, `-` (stored in lowercase)." });
const RoleField = Type.Union(ROLES.map((r) => Type.Literal(r)), { description: "viewer reads; editor also changes monitors and settings; admin also manages users." });
const NewPassword = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH, description: `Password (${MIN_PASSWORD_LENGTH} characters at least).` });

const NewUser = Type.Object({ name: Name, role: RoleField, password: NewPassword }, { additionalProperties: false });
const UserPatch = Type.Object(
  {
    name: Type.Optional(Name),
    role: Type.Optional(RoleField),
    password: Type.Optional(NewPassword),
    disabled: Type.Optional(Type.Boolean({ description: "A disabled user cannot log in; their sessions end and their API keys are revoked." })),
    resetTotp: Type.Optional(Type.Literal(true, { description: "Turn off the user's two-factor login (a lost device)." })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Registers the routes. */
export async function userRoutes(app: FastifyInstance, d: UserRouteDeps): Promise<void> {
  const admin = { access: "admin" as const };
  const notFound = (reply: FastifyReply, id: string) => sendError(reply, 404, "UPBEAT_USER_NOT_FOUND", `no user "${id}"`);
  const lastAdmin = (reply: FastifyReply, what: string) => sendError(reply, 409, "UPBEAT_LAST_ADMIN", `cannot ${what} the last admin who can log in; make another admin first`);
  /** Whether taking admin rights from `u` would leave nobody to manage users. */
  const isLastAdmin = async (u: UserRow) => u.role === "admin" && u.disabled === 0 && (await otherActiveAdmins(d.db, u.id)) === 0;
  /** Ends what lets a user in: every session (but the caller's own) and every key. */
  const shutOut = async (id: string, keepSession: string | undefined) => {
    await deleteUserSessions(d.db, id, keepSession);
    await revokeUserKeys(d.db, id, d.now());
  };

  app.get("/api/v1/users", { config: admin }, async () => ({ users: (await listUsers(d.db)).map(userOf) }));

  app.post<{ Body: Static<typeof NewUser> }>("/api/v1/users", { schema: { body: NewUser }, config: admin }, async (req, reply) => {
    const name = req.body.name.toLowerCase();
    const row = await insertUser(d.db, { name, role: req.body.role, passwordHash: await hashPassword(req.body.password) }, d.now());
    if (!row) return sendError(reply, 409, "UPBEAT_USER_EXISTS", `a user named "${name}" exists`);
    return reply.code(201).send({ user: userOf(row) });
  });

  app.get<{ Params: Static<typeof IdParams> }>("/api/v1/users/:id", { schema: { params: IdParams }, config: admin }, async (req, reply) => {
    const u = await userById(d.db, req.params.id);
    return u ? { user: userOf(u) } : notFound(reply, req.params.id);
  });

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UserPatch> }>("/api/v1/users/:id", { schema: { params: IdParams, body: UserPatch }, config: admin }, async (req, reply) => {
    const u = await userById(d.db, req.params.id);
    if (!u) return notFound(reply, req.params.id);
    const b = req.body;
    if (((b.role !== undefined && b.role !== "admin") || b.disabled === true) && (await isLastAdmin(u))) return lastAdmin(reply, b.disabled ? "disable" : "demote");
    const change: UserChange = {};
    if (b.name !== undefined && b.name.toLowerCase() !== u.name) {
      const name = b.name.toLowerCase();
      if (await userByName(d.db, name)) return sendError(reply, 409, "UPBEAT_USER_EXISTS", `a user named "${name}" exists`);
      change.name = name;
    }
    if (b.role !== undefined) change.role = b.role;
    if (b.password !== undefined) change.password_hash = await hashPassword(b.password);
    if (b.disabled !== undefined) change.disabled = b.disabled ? 1 : 0;
    if (b.resetTotp) Object.assign(change, { totp_secret: null, totp_pending: null, totp_last_step: null });
    await updateUser(d.db, u.id, change, d.now());
    const c = d.access.credential(req);
    const own = c?.kind === "session" && c.session.user.id === u.id ? c.session.id : undefined;
    if (b.disabled === true) await shutOut(u.id, undefined);
    else if (b.password !== undefined) await deleteUserSessions(d.db, u.id, own);
    return { user: userOf((await userById(d.db, u.id)) as UserRow) };
  });

  app.delete<{ Params: Static<typeof IdParams> }>("/api/v1/users/:id", { schema: { params: IdParams }, config: admin }, async (req, reply) => {
    const u = await userById(d.db, req.params.id);
    if (!u) return notFound(reply, req.params.id);
    if (await isLastAdmin(u)) return lastAdmin(reply, "delete");
    await shutOut(u.id, undefined);
    await deleteUserRow(d.db, u.id);
    return reply.code(204).send();
  });
}
