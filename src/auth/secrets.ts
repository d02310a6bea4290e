/** Random tokens and their digests: what Upbeat stores instead of a session token or an API key. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A random token of `bytes` bytes, base64url (no padding). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** SHA-256 of a secret as hex: the row key of a session or an API key (the secret itself is never stored). */
export function sha256Hex(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares two strings in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  // Lengths differing says nothing about the content; the comparison below needs equal lengths.
  return x.length === y.length && timingSafeEqual(x, y);
}
