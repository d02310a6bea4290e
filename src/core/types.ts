/**
 * The shapes shared by every source (probes, heartbeats, remote agents) and every consumer
 * (state machine, store, notifiers, API). Pure data: no I/O, no classes.
 */

/** What one check concluded about its target. */
export type Health = "up" | "degraded" | "down";

/** Where a check was when it ended: the phase a failure or timeout happened in. */
export type ProbePhase =
  | "setup"
  | "dns"
  | "connect"
  | "tls"
  | "starttls"
  | "request"
  | "ttfb"
  | "transfer"
  | "send"
  | "expect"
  | "query"
  | "assert"
  | "done";

/** Why a target failed, coarse enough to route on and to map to seed-tool wording. */
export type FailureKind =
  | "timeout"
  | "refused"
  | "dns"
  | "tls"
  | "reset"
  | "protocol"
  | "assertion"
  | "error";

/** Per-phase timings of one attempt, in milliseconds. Absent phases did not happen. */
export interface PhaseTimings {
  /** Name resolution. */
  dnsMs?: number;
  /** TCP connect, after resolution. */
  connectMs?: number;
  /** TLS handshake (after STARTTLS negotiation where there is one). */
  tlsMs?: number;
  /** Request sent to first response byte. */
  ttfbMs?: number;
  /** First byte to end of body. */
  transferMs?: number;
  /** Whole attempt, start to end. */
  totalMs: number;
}

/** One assertion evaluated against a result, with the actual value that decided it. */
export interface AssertionResult {
  /** What was checked, e.g. `status`, `body contains "ok"`, `json $.db == "up"`. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** What a failure means: the target is down, or only degraded. */
  severity: "down" | "degraded";
  /** The expectation in words (`2xx`, `< 200ms`). */
  expected: string;
  /** The actual value (`503`, `250ms`). */
  actual: string;
}

/** A peer certificate as a check saw it. */
export interface CertInfo {
  /** Subject common name (or the whole subject when there is no CN). */
  subject: string;
  /** Issuer common name or organisation. */
  issuer: string;
  /** ISO-8601 start of validity. */
  validFrom: string;
  /** ISO-8601 end of validity. */
  validTo: string;
  /** Whole days until `validTo` (negative once expired). */
  daysLeft: number;
  /** Subject alternative names, as the certificate lists them. */
  altNames?: string;
  /** SHA-256 fingerprint. */
  fingerprint256?: string;
  /** Whether the chain verified against the trusted roots (and the host name matched). */
  trusted: boolean;
  /** The verification error, when not trusted. */
  trustError?: string;
}

/** One DNS answer record, normalised to text. */
export interface DnsRecord {
  /** Record type (`A`, `MX`, …). */
  type: string;
  /** Owner name. */
  name: string;
  /** Time to live in seconds. */
  ttl: number;
  /** The record data as text (`10 mail.example.com` for MX). */
  data: string;
}

/** Facts a check observed: whatever its kind knows. Every field optional. */
export interface ProbeFacts {
  /** The final URL requested (with trace and attempt arguments). */
  url?: string;
  /** HTTP status code of the final response. */
  statusCode?: number;
  /** Redirects followed, in order (`Location` values resolved). */
  redirects?: string[];
  /** Response headers of the final response (lower-case names). */
  headers?: Record<string, string>;
  /** The start of the response body, up to the configured limit. */
  bodyExcerpt?: string;
  /** Bytes of body received (may exceed the excerpt). */
  bodyBytes?: number;
  /** Remote address connected to. */
  remoteAddress?: string;
  /** Peer certificate of a TLS connection. */
  cert?: CertInfo;
  /** DNS response code (`NOERROR`, `NXDOMAIN`, …). */
  rcode?: string;
  /** DNS answers. */
  records?: DnsRecord[];
  /** Bytes a TCP check read back (excerpt). */
  received?: string;
  /** The trace id sent with the request (Cupcake's trace argument). */
  traceId?: string;
}

/** The result of one attempt of one check. A failing target is a result, never a throw. */
export interface ProbeOutcome {
  /** Whether every `down` assertion held and the target answered. */
  ok: boolean;
  /** up, degraded (answered, but past a `degraded` bound), or down. */
  health: Health;
  /** Phase the attempt ended in when it failed. */
  phase?: ProbePhase;
  /** Coarse reason class when it failed. */
  failure?: FailureKind;
  /** One line a person can read: why it failed or degraded. */
  reason?: string;
  /** Timings of this attempt. */
  timings: PhaseTimings;
  /** Every assertion evaluated, passing or not. */
  assertions: AssertionResult[];
  /** What the attempt saw. */
  facts: ProbeFacts;
}

/** One attempt, as recorded in a check result. */
export interface AttemptRecord extends ProbeOutcome {
  /** 1-based attempt number. */
  attempt: number;
  /** Epoch milliseconds when the attempt started. */
  startedAt: number;
}

/**
 * What every source hands to the state machine: the same shape for an active probe, a
 * heartbeat and a remote agent's report.
 */
export interface Observation {
  /** Stable monitor id. */
  monitorId: string;
  /** Epoch milliseconds when the observation was made (end of the check). */
  at: number;
  /** The verdict. */
  health: Health;
  /** Where it came from. */
  source: "probe" | "heartbeat" | "agent";
  /** Region or agent name that made it (`local` for this process). */
  region: string;
  /** Phase of a failure. */
  phase?: ProbePhase;
  /** Coarse failure class. */
  failure?: FailureKind;
  /** One line a person can read. */
  reason?: string;
  /** Timings of the deciding attempt. */
  timings?: PhaseTimings;
  /** Assertions of the deciding attempt. */
  assertions?: AssertionResult[];
  /** Facts of the deciding attempt. */
  facts?: ProbeFacts;
  /** Every attempt made (probes only). */
  attempts?: AttemptRecord[];
}
