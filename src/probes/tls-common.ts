/** TLS pieces shared by the HTTP, TCP and TLS probes: client options and what a peer certificate says. */
import { readFileSync } from "node:fs";
import { type ConnectionOptions, type PeerCertificate, type TLSSocket, checkServerIdentity } from "node:tls";
import type { TlsOptionsInput } from "../config/schema/common.ts";
import type { AssertionResult, CertInfo } from "../core/types.ts";

const pemCache = new Map<string, string>();

/** Inline PEM as is; otherwise the file's contents (read once per process). */
function pem(value: string): string {
  if (value.includes("-----BEGIN")) return value;
  let text = pemCache.get(value);
  if (text === undefined) {
    text = readFileSync(value, "utf8");
    pemCache.set(value, text);
  }
  return text;
}

/**
 * Node TLS options for a check. Verification is done after the handshake (so that an untrusted
 * certificate is still read and reported), hence `rejectUnauthorized: false` here.
 */
export function tlsConnectOptions(opts: TlsOptionsInput | undefined, host: string): ConnectionOptions {
  const out: ConnectionOptions = { rejectUnauthorized: false };
  const servername = opts?.servername ?? host;
  // SNI must not carry an IP address.
  if (!/^[\d.]+$|:/.test(servername)) out.servername = servername;
  if (opts?.ca) out.ca = pem(opts.ca);
  if (opts?.cert) out.cert = pem(opts.cert);
  if (opts?.key) out.key = pem(opts.key);
  return out;
}

function nameOf(entity: Record<string, string | string[] | undefined> | undefined): string {
  if (!entity) return "";
  const pick = entity.CN ?? entity.O;
  if (pick) return Array.isArray(pick) ? pick.join(", ") : pick;
  return Object.entries(entity).map(([k, v]) => `${k}=${String(v)}`).join(", ");
}

/** What the peer certificate of a connected socket says, and whether it is trusted for `host`. */
export function certInfo(socket: TLSSocket, host: string, nowMs: number): CertInfo | undefined {
  const c: PeerCertificate = socket.getPeerCertificate();
  if (!c || !c.valid_to) return undefined;
  const validTo = new Date(c.valid_to);
  const trustError = socket.authorized ? checkHost(socket, host) : describeTrustError(socket, host);
  return {
    subject: nameOf(c.subject as unknown as Record<string, string>),
    issuer: nameOf(c.issuer as unknown as Record<string, string>),
    validFrom: new Date(c.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - nowMs) / 86_400_000),
    altNames: c.subjectaltname,
    fingerprint256: c.fingerprint256,
    trusted: !trustError,
    ...(trustError ? { trustError } : {}),
  };
}

const TRUST_WORDS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in the chain",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the certificate against the trusted CAs",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "issuer certificate not among the trusted CAs",
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
};

/** Why an unauthorised peer is not trusted, in words with Node's code. */
function describeTrustError(socket: TLSSocket, host: string): string {
  const raw = socket.authorizationError;
  const code = typeof raw === "string" ? raw : ((raw as { code?: string } | null)?.code ?? String(raw ?? "not trusted"));
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return checkHost(socket, host) ?? code;
  return TRUST_WORDS[code] ? `${TRUST_WORDS[code]} (${code})` : code;
}

/** Host-name mismatch, checked separately because verification happens after the handshake. */
function checkHost(socket: TLSSocket, host: string): string | undefined {
  return checkServerIdentity(host, socket.getPeerCertificate())?.message;
}

/** Certificate assertions: trust (when verifying), expiry, and the configured day bounds. */
export function certAssertions(
  cert: CertInfo,
  verify: boolean,
  bounds: { certMinDays?: number; certWarnDays?: number },
): AssertionResult[] {
  const out: AssertionResult[] = [];
  if (verify) out.push({ name: "certificate trusted", ok: cert.trusted, severity: "down", expected: "trusted chain for the host", actual: cert.trustError ?? "trusted" });
  out.push({ name: "certificate not expired", ok: cert.daysLeft >= 0, severity: "down", expected: `valid until after now`, actual: `valid to ${cert.validTo}` });
  if (bounds.certMinDays !== undefined) {
    out.push({ name: "certificate days left", ok: cert.daysLeft >= bounds.certMinDays, severity: "down", expected: `>= ${bounds.certMinDays} days`, actual: `${cert.daysLeft} days` });
  }
  if (bounds.certWarnDays !== undefined) {
    out.push({ name: "certificate days left (warn)", ok: cert.daysLeft >= bounds.certWarnDays, severity: "degraded", expected: `>= ${bounds.certWarnDays} days`, actual: `${cert.daysLeft} days` });
  }
  return out;
}
