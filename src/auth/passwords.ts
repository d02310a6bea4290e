/**
 * Password hashes: argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's
 * recommended minimum), in PHC string form so the parameters travel with each hash.
 */
import { hash, verify } from "@node-rs/argon2";

/** Shortest password accepted for a user (the environment's first password excepted). */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password accepted (argon2 takes any length; this bounds the work per login). */
export const MAX_PASSWORD_LENGTH = 1024;

/** The argon2id hash of a password. */
export function hashPassword(password: string): Promise<string> {
  // Argon2id is @node-rs/argon2's default algorithm; its const enum cannot be imported under isolated modules.
  return hash(password);
}

let dummy: Promise<string> | undefined;

/** The dummy hash, started on first use; `prepareDummyHash` starts it early in the background (no login waits for it). */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword("upbeat: no such user");
  return dummy;
}

/** Starts making the dummy hash now, without waiting for it. */
export function prepareDummyHash(): void {
  dummyHash().catch(() => {});
}

/**
 * Whether `password` matches `stored`; with no stored hash (an unknown user) a dummy hash is
 * verified instead, so an unknown name and a wrong password take the same time.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  const ok = await verify(stored ?? (await dummyHash()), password).catch(() => false);
  return stored !== undefined && ok;
}
