/**
 * TOTP two-factor codes (RFC 6238: SHA-1, 6 digits, 30 s steps, what every authenticator app
 * reads). A code is accepted one step early or late for clock drift, and each step only once.
 */
import { Secret, TOTP } from "otpauth";

const PERIOD_SEC = 30;
const DIGITS = 6;

/** A new random secret (160 bits), base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI of a secret (for a QR code), labelled `Upbeat:<user>`. */
export function totpUri(secretBase32: string, userName: string): string {
  return new TOTP({ issuer: "Upbeat", label: userName, secret: Secret.fromBase32(secretBase32), digits: DIGITS, period: PERIOD_SEC }).toString();
}

/** The code of a secret at a time (for tests and tools). */
export function totpCode(secretBase32: string, atMs: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), digits: DIGITS, period: PERIOD_SEC, timestamp: atMs });
}

/**
 * The time step a code belongs to when it is valid at `nowMs` (±1 step) and newer than
 * `lastStep` (a code already used is refused, so a code seen over a shoulder cannot log in again);
 * undefined otherwise.
 */
export function acceptTotp(secretBase32: string, code: string, nowMs: number, lastStep: number | null): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secretBase32), digits: DIGITS, period: PERIOD_SEC, timestamp: nowMs, window: 1 });
  if (delta === null) return undefined;
  const step = TOTP.counter({ period: PERIOD_SEC, timestamp: nowMs }) + delta;
  return lastStep !== null && step <= lastStep ? undefined : step;
}
