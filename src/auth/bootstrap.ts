/**
 * First start: with no user at all, `admin` is made with the password from
 * `UPBEAT_ADMIN_PASSWORD`, or a random one printed once on standard error. Every start:
 * `UPBEAT_ADMIN_API_KEY` is made (or kept) a valid read-write admin key.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../store/schema.ts";
import { syncEnvKey } from "./api-keys.ts";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./passwords.ts";
import { randomToken } from "./secrets.ts";
import { countUsers, insertUser } from "./users.ts";

/** What the first start reads from the environment and where it prints. */
export interface BootstrapIo {
  /** Environment (only `UPBEAT_ADMIN_PASSWORD` and `UPBEAT_ADMIN_API_KEY` are read). */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard error: the generated password goes there, never to the log. */
  err: (s: string) => void;
  /** Log. */
  log: Logger;
}

/** Makes the first admin when there is no user; returns its id, or undefined when users existed. */
async function firstAdmin(db: Kysely<Database>, io: BootstrapIo, nowMs: number): Promise<string | undefined> {
  if ((await countUsers(db)) > 0) return undefined;
  const given = io.env.UPBEAT_ADMIN_PASSWORD;
  const password = given || randomToken(15);
  const row = await insertUser(db, { name: "admin", role: "admin", passwordHash: await hashPassword(password) }, nowMs);
  // Another node of a cluster made it first: its password stands.
  if (!row) return undefined;
  if (given) {
    if (given.length < MIN_PASSWORD_LENGTH) io.log.warn({ length: given.length }, "UPBEAT_ADMIN_PASSWORD is short; change the admin password after logging in");
    io.log.info({ user: "admin" }, "first start: user admin created with the password from UPBEAT_ADMIN_PASSWORD");
  } else {
    io.err(
      [
        "",
        "  Upbeat first start: user \"admin\" was created with this password (shown only now):",
        "",
        `      ${password}`,
        "",
        "  Log in and change it (POST /api/v1/auth/password), or set UPBEAT_ADMIN_PASSWORD before the first start.",
        "",
      ].join("\n"),
    );
    io.log.info({ user: "admin" }, "first start: user admin created; its password was printed on standard error");
  }
  return row.id;
}

/** An admin that can log in (the env key's owner). */
async function someAdmin(db: Kysely<Database>): Promise<string | undefined> {
  const r = await db.selectFrom("users").select("id").where("role", "=", "admin").where("disabled", "=", 0).orderBy("created_at").orderBy("id").executeTakeFirst();
  return r?.id;
}

/** Runs the first-start and every-start steps. */
export async function bootstrapAuth(db: Kysely<Database>, io: BootstrapIo, nowMs: number): Promise<void> {
  await firstAdmin(db, io, nowMs);
  const secret = io.env.UPBEAT_ADMIN_API_KEY || undefined;
  const adminId = await someAdmin(db);
  if (secret !== undefined && !adminId) {
    io.log.warn("UPBEAT_ADMIN_API_KEY is set but no enabled admin exists; the key is not valid");
    return;
  }
  if (secret !== undefined && secret.length < 20) io.log.warn({ length: secret.length }, "UPBEAT_ADMIN_API_KEY is short; use 20 random characters or more");
  const r = await syncEnvKey(db, secret, adminId ?? "", nowMs);
  if (r === "created") io.log.info("UPBEAT_ADMIN_API_KEY is a valid admin API key");
}
