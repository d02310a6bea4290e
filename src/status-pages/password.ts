/**
 * Password-protected status pages. The password is kept as an argon2 hash; a visitor who gives it
 * gets a cookie `upbeat_page_<id>` = `<expiry>.<HMAC>` keyed by that hash, so it opens that page
 * only and every cookie dies when the password changes. Feed readers may send the password as
 * HTTP Basic credentials (any user name); verified passwords are remembered briefly so argon2
 * does not run on every poll.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { StatusPage } from "./types.ts";

/** How long a page cookie lasts. */
export const PAGE_COOKIE_MS = 7 * 86_400_000;

/** Hashes a page password (argon2id with the library's defaults). */
export function hashPagePassword(password: string): Promise<string> {
  return hash(password);
}

/** The cookie name of a page. */
export function pageCookieName(page: Pick<StatusPage, "id">): string {
  return `upbeat_page_${page.id}`;
}

function mac(passwordHash: string, pageId: number, expires: number): string {
  return createHmac("sha256", passwordHash).update(`upbeat-status-page:${pageId}:${expires}`).digest("base64url");
}

/** A cookie value opening the page until `now + PAGE_COOKIE_MS`. */
export function pageCookieValue(page: Pick<StatusPage, "id" | "passwordHash">, now: number): string {
  const expires = now + PAGE_COOKIE_MS;
  return `${expires}.${mac(page.passwordHash ?? "", page.id, expires)}`;
}

/** Whether a cookie value opens the page now. */
export function cookieOpens(page: Pick<StatusPage, "id" | "passwordHash">, value: string | undefined, now: number): boolean {
  if (!value || !page.passwordHash) return false;
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m || Number(m[1]) <= now) return false;
  const want = Buffer.from(mac(page.passwordHash, page.id, Number(m[1])));
  const got = Buffer.from(m[2] as string);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** One cookie's value from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The password of `Authorization: Basic …` (user name ignored). */
export function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, "base64").toString("utf8");
  const i = text.indexOf(":");
  return i >= 0 ? text.slice(i + 1) : undefined;
}

/** Checks passwords against page hashes, remembering good ones for a few minutes. */
export class PasswordChecker {
  private readonly good = new Map<string, number>();

  /** `rememberMs`: how long a verified password is taken without argon2. */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly rememberMs = 300_000,
  ) {}

  /** Whether `password` is the page's. */
  async check(page: Pick<StatusPage, "id" | "passwordHash">, password: string): Promise<boolean> {
    if (!page.passwordHash || !password) return false;
    // Keyed by the hash too: a new password forgets the old one at once.
    const key = createHash("sha256").update(`${page.passwordHash}\u0000${password}`).digest("base64url");
    const until = this.good.get(key);
    if (until !== undefined && until > this.now()) return true;
    let ok = false;
    try {
      ok = await verify(page.passwordHash, password);
    } catch {
      ok = false;
    }
    if (ok) {
      if (this.good.size > 10_000) this.good.clear();
      this.good.set(key, this.now() + this.rememberMs);
    }
    return ok;
  }
}
