/**
 * API keys for scripts: `upb_` and 32 random bytes, shown once when made; the store keeps the
 * SHA-256 of the secret and a short prefix for lists. A read-write key acts with its owner's role,
 * a read-only one only reads. The key given by `UPBEAT_ADMIN_API_KEY` is kept in step with the
 * environment at each start (source `env`).
 */
import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { ApiKeysTable, Database } from "../store/schema.ts";
import { randomToken, sha256Hex } from "./secrets.ts";
import type { UserRow } from "./users.ts";

/** Prefix of every key Upbeat makes (so secret scanners and people can tell what it is). */
export const KEY_PREFIX = "upb_";

/** `last_used_at` is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000;

/** A key as the API lists it (never the secret or its hash). */
export interface ApiKey {
  /** Id (for revoking). */
  id: string;
  /** What it is for. */
  name: string;
  /** The first characters of the secret, to recognise it. */
  prefix: string;
  /** Owner's id. */
  userId: string;
  /** Owner's name (null when the owner was deleted). */
  userName: string | null;
  /** It can only read. */
  readOnly: boolean;
  /** Made through the API, or from `UPBEAT_ADMIN_API_KEY`. */
  source: "api" | "env";
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms (to within a minute), null when never used. */
  lastUsedAt: number | null;
  /** Epoch ms, null when it does not expire. */
  expiresAt: number | null;
  /** Epoch ms, null while valid. */
  revokedAt: number | null;
}

type KeyRow = Selectable<ApiKeysTable>;

const keyOf = (r: KeyRow & { user_name: string | null }): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  userId: r.user_id,
  userName: r.user_name,
  readOnly: r.read_only === 1,
  source: r.source === "env" ? "env" : "api",
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** Makes a key; returns it with its secret (the only time the secret exists outside the caller). */
export async function createApiKey(db: Kysely<Database>, k: { name: string; userId: string; readOnly: boolean; expiresAt?: number; secret?: string; source?: "api" | "env" }, nowMs: number): Promise<{ key: ApiKey; secret: string }> {
  const secret = k.secret ?? KEY_PREFIX + randomToken(32);
  const prefix = k.source === "env" ? "(env)" : secret.slice(0, KEY_PREFIX.length + 6);
  const row: KeyRow = { id: randomUUID(), name: k.name, user_id: k.userId, prefix, hash: sha256Hex(secret), read_only: k.readOnly ? 1 : 0, source: k.source ?? "api", created_at: nowMs, last_used_at: null, expires_at: k.expiresAt ?? null, revoked_at: null };
  await db.insertInto("api_keys").values(row).execute();
  return { key: keyOf({ ...row, user_name: null }), secret };
}

/** Keys, newest first: of one user or of everyone; revoked ones only when asked. */
export async function listApiKeys(db: Kysely<Database>, o: { userId?: string; revoked?: boolean }): Promise<ApiKey[]> {
  let q = db.selectFrom("api_keys").leftJoin("users", "users.id", "api_keys.user_id").selectAll("api_keys").select("users.name as user_name");
  if (o.userId !== undefined) q = q.where("api_keys.user_id", "=", o.userId);
  if (!o.revoked) q = q.where("api_keys.revoked_at", "is", null);
  return (await q.orderBy("api_keys.created_at", "desc").orderBy("api_keys.id").execute()).map(keyOf);
}

/** One key by id. */
export async function apiKeyById(db: Kysely<Database>, id: string): Promise<ApiKey | undefined> {
  const r = await db.selectFrom("api_keys").leftJoin("users", "users.id", "api_keys.user_id").selectAll("api_keys").select("users.name as user_name").where("api_keys.id", "=", id).executeTakeFirst();
  return r ? keyOf(r) : undefined;
}

/** The key of a secret and its owner, when it is valid at `nowMs` (not revoked, not expired, owner enabled). */
export async function findApiKey(db: Kysely<Database>, secret: string, nowMs: number): Promise<{ key: ApiKey; user: UserRow } | undefined> {
  const r = await db
    .selectFrom("api_keys")
    .innerJoin("users", "users.id", "api_keys.user_id")
    .select(["api_keys.id as kid", "api_keys.name as kname", "api_keys.prefix", "api_keys.read_only", "api_keys.source", "api_keys.created_at as kcreated", "api_keys.last_used_at", "api_keys.expires_at", "api_keys.revoked_at"])
    .selectAll("users")
    .where("api_keys.hash", "=", sha256Hex(secret))
    .executeTakeFirst();
  if (!r || r.revoked_at !== null || (r.expires_at !== null && r.expires_at <= nowMs) || r.disabled !== 0) return undefined;
  const { kid, kname, prefix, read_only, source, kcreated, last_used_at, expires_at, revoked_at, ...user } = r;
  const key = keyOf({ id: kid, name: kname, prefix, user_id: user.id, user_name: user.name, read_only, source, created_at: kcreated, last_used_at, expires_at, revoked_at, hash: "" });
  return { key, user };
}

/** Records a key's use, when the last record is older than a minute. */
export async function touchApiKey(db: Kysely<Database>, key: ApiKey, nowMs: number): Promise<void> {
  if (key.lastUsedAt !== null && nowMs - key.lastUsedAt < TOUCH_EVERY_MS) return;
  await db.updateTable("api_keys").set({ last_used_at: nowMs }).where("id", "=", key.id).execute();
}

/** Revokes one key; false when it does not exist or was revoked already. */
export async function revokeApiKey(db: Kysely<Database>, id: string, nowMs: number): Promise<boolean> {
  const r = await db.updateTable("api_keys").set({ revoked_at: nowMs }).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes every key of a user (deleted or disabled). */
export async function revokeUserKeys(db: Kysely<Database>, userId: string, nowMs: number): Promise<number> {
  const r = await db.updateTable("api_keys").set({ revoked_at: nowMs }).where("user_id", "=", userId).where("revoked_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Keeps the environment's admin key in step: the `secret` given is a valid read-write key of
 * `adminId` (made, or revived if it was revoked); any other key from the environment (an older
 * value) is revoked; with no secret every key from the environment is revoked.
 */
export async function syncEnvKey(db: Kysely<Database>, secret: string | undefined, adminId: string, nowMs: number): Promise<"created" | "kept" | "none"> {
  const hash = secret === undefined ? undefined : sha256Hex(secret);
  let stale = db.updateTable("api_keys").set({ revoked_at: nowMs }).where("source", "=", "env").where("revoked_at", "is", null);
  if (hash !== undefined) stale = stale.where("hash", "!=", hash);
  await stale.execute();
  if (secret === undefined || hash === undefined) return "none";
  const existing = await db.selectFrom("api_keys").select(["id"]).where("hash", "=", hash).executeTakeFirst();
  if (existing) {
    await db.updateTable("api_keys").set({ revoked_at: null, read_only: 0, user_id: adminId, source: "env", expires_at: null }).where("id", "=", existing.id).execute();
    return "kept";
  }
  await createApiKey(db, { name: "UPBEAT_ADMIN_API_KEY", userId: adminId, readOnly: false, secret, source: "env" }, nowMs);
  return "created";
}
