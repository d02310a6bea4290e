/** Users in the store: names, roles, password hashes, TOTP secrets. */
import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { Role } from "../api/access.ts";
import type { Database, UsersTable } from "../store/schema.ts";

/** A user as the API shows it (never the hash or the TOTP secret). */
export interface User {
  /** Stable id. */
  id: string;
  /** Login name (lowercase). */
  name: string;
  /** Role. */
  role: Role;
  /** A disabled user cannot log in and has no sessions or keys. */
  disabled: boolean;
  /** Two-factor codes are required at login. */
  totpEnabled: boolean;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  updatedAt: number;
}

/** A user's row with its secrets, for the auth module only. */
export type UserRow = Selectable<UsersTable>;

/** The pattern of a login name. */
export const USER_NAME_PATTERN = "^[a-z0-9][a-z0-9._@-]{0,63}$";

/** The API view of a row. */
export function userOf(r: UserRow): User {
  return { id: r.id, name: r.name, role: r.role as Role, disabled: r.disabled === 1, totpEnabled: r.totp_secret !== null, createdAt: r.created_at, updatedAt: r.updated_at };
}

/** The user with this id. */
export async function userById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The user with this (lowercase) name. */
export async function userByName(db: Kysely<Database>, name: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
}

/** Every user, by name. */
export async function listUsers(db: Kysely<Database>): Promise<UserRow[]> {
  return db.selectFrom("users").selectAll().orderBy("name").execute();
}

/** How many users exist. */
export async function countUsers(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom("users").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Admins that can log in, other than `exceptId`. */
export async function otherActiveAdmins(db: Kysely<Database>, exceptId: string): Promise<number> {
  const r = await db.selectFrom("users").select((e) => e.fn.countAll<number>().as("n")).where("role", "=", "admin").where("disabled", "=", 0).where("id", "!=", exceptId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Adds a user; undefined when the name is taken. */
export async function insertUser(db: Kysely<Database>, u: { name: string; role: Role; passwordHash: string }, nowMs: number): Promise<UserRow | undefined> {
  if (await userByName(db, u.name)) return undefined;
  const row: UserRow = { id: randomUUID(), name: u.name, role: u.role, password_hash: u.passwordHash, totp_secret: null, totp_pending: null, totp_last_step: null, disabled: 0, created_at: nowMs, updated_at: nowMs };
  try {
    await db.insertInto("users").values(row).execute();
  } catch (e) {
    // A concurrent insert of the same name lost the race on the unique index.
    if (await userByName(db, u.name)) return undefined;
    throw e;
  }
  return row;
}

/** What may change on a user's row. */
export type UserChange = Partial<Pick<UserRow, "name" | "role" | "password_hash" | "totp_secret" | "totp_pending" | "totp_last_step" | "disabled">>;

/** Changes a user's row; false when there is no such user. */
export async function updateUser(db: Kysely<Database>, id: string, change: UserChange, nowMs: number): Promise<boolean> {
  const r = await db.updateTable("users").set({ ...change, updated_at: nowMs }).where("id", "=", id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records a used TOTP step unless a later one was recorded meanwhile (two logins racing with one code: one wins). */
export async function useTotpStep(db: Kysely<Database>, id: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable("users")
    .set({ totp_last_step: step })
    .where("id", "=", id)
    .where((e) => e.or([e("totp_last_step", "is", null), e("totp_last_step", "<", step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes a user's row (sessions and keys are the caller's business). */
export async function deleteUserRow(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
