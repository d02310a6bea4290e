/** DNS pieces of the dns probe that need no socket: resolver parsing, answers as text, record assertions. */
import { isIP } from "node:net";
import type { Answer } from "dns-packet";
import type { AssertionResult, DnsRecord } from "../core/types.ts";

/** Where to send a query. */
export interface ResolverAddress {
  /** Host name or IP address, without brackets. */
  host: string;
  /** UDP/TCP port. */
  port: number;
  /** `host:port` as people write it (`[::1]:53` for IPv6). */
  label: string;
}

const DNS_PORT = 53;

/**
 * Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (as node:dns
 * getServers() lists them). Returns a reason instead of throwing: a bad resolver is a setup failure.
 */
export function parseResolver(text: string): ResolverAddress | { error: string } {
  const s = text.trim();
  let host = s;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1] ?? "";
    portText = bracketed[2];
  } else if (s.indexOf(":") !== -1 && s.indexOf(":") === s.lastIndexOf(":")) {
    // Exactly one colon: host:port. Several colons without brackets is a bare IPv6 address.
    [host = "", portText] = s.split(":");
  }
  if (host === "") return { error: `resolver "${text}" has no host` };
  let port = DNS_PORT;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return { error: `resolver "${text}" has an invalid port` };
  }
  const label = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, label };
}

/** A domain name as compared and shown: no trailing dot (the root stays "."). */
function bareName(name: string): string {
  return name.length > 1 && name.endsWith(".") ? name.slice(0, -1) : name;
}

function txtText(data: string | Buffer | Array<string | Buffer>): string {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((p) => (typeof p === "string" ? p : p.toString("utf8"))).join("");
}

/** The data of one answer as text (`10 mail.example.com` for MX); undefined for types a check cannot ask for. */
export function answerText(a: Answer): string | undefined {
  switch (a.type) {
    case "A":
    case "AAAA":
      return a.data;
    case "CNAME":
    case "NS":
    case "PTR":
    case "DNAME":
      return bareName(a.data);
    case "MX":
      return `${a.data.preference ?? 0} ${bareName(a.data.exchange)}`;
    case "TXT":
      return txtText(a.data);
    case "SOA": {
      const d = a.data;
      return [bareName(d.mname), bareName(d.rname), d.serial, d.refresh, d.retry, d.expire, d.minimum].map((v) => v ?? 0).join(" ");
    }
    case "SRV":
      return `${a.data.priority ?? 0} ${a.data.weight ?? 0} ${a.data.port} ${bareName(a.data.target)}`;
    case "CAA":
      return `${a.data.flags ?? 0} ${a.data.tag} ${a.data.value}`;
    default:
      return undefined;
  }
}

/** The answer section as DnsRecords; records of other types (RRSIG, OPT…) are left out. */
export function toDnsRecords(answers: readonly Answer[] | undefined): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (const a of answers ?? []) {
    const data = answerText(a);
    if (data === undefined) continue;
    out.push({ type: a.type, name: bareName(a.name), ttl: "ttl" in a ? (a.ttl ?? 0) : 0, data });
  }
  return out;
}

/**
 * A record value in the form used for comparing: lower case, whitespace collapsed, no trailing
 * dot, and IPv6 addresses in their canonical short form so `2001:db8:0::1` matches `2001:db8::1`.
 */
export function comparable(value: string): string {
  const v = value.trim().replace(/\s+/g, " ").toLowerCase().replace(/(\S)\.$/, "$1");
  if (isIP(v) === 6) return new URL(`http://[${v}]/`).hostname.slice(1, -1);
  return v;
}

function listText(values: readonly string[], type: string): string {
  return values.length === 0 ? `no ${type} answers` : values.join(", ");
}

/** Assertions on the answers of the asked type: each expected value present, and optionally nothing else. */
export function recordAssertions(type: string, records: readonly DnsRecord[], expected: readonly string[], exact: boolean): AssertionResult[] {
  const actual = records.filter((r) => r.type === type).map((r) => r.data);
  const actualSet = new Set(actual.map(comparable));
  const out: AssertionResult[] = expected.map((value) => ({
    name: `${type} ${value}`,
    ok: actualSet.has(comparable(value)),
    severity: "down",
    expected: "among the answers",
    actual: listText(actual, type),
  }));
  if (exact) {
    const expectedSet = new Set(expected.map(comparable));
    const same = expectedSet.size === actualSet.size && [...expectedSet].every((v) => actualSet.has(v));
    out.push({
      name: `${type} records exactly`,
      ok: same,
      severity: "down",
      expected: expected.length === 0 ? `no ${type} answers` : [...expected].sort().join(", "),
      actual: listText([...actual].sort(), type),
    });
  }
  return out;
}
