/** Checks of meaning that a schema cannot express: regexes compile, URLs parse, ranges are ordered. */
import { heartbeatPolicyOf } from "../heartbeats/policy.ts";
import type { CheckInput } from "./schema/checks.ts";

/** A problem found in a check, relative to the check's own path. */
export interface RelativeProblem {
  /** Path below the check. */
  at: (string | number)[];
  /** What is wrong. */
  message: string;
}

function regexProblem(source: unknown, at: (string | number)[], out: RelativeProblem[]): void {
  if (typeof source !== "string") return;
  try {
    new RegExp(source);
  } catch (err) {
    out.push({ at, message: `invalid regular expression: ${(err as Error).message}` });
  }
}

function urlProblem(url: unknown, needsPort: boolean, out: RelativeProblem[]): void {
  if (typeof url !== "string") return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    out.push({ at: ["url"], message: `"${url}" is not a valid URL` });
    return;
  }
  if (!parsed.hostname) out.push({ at: ["url"], message: `"${url}" has no host` });
  if (needsPort && !parsed.port) out.push({ at: ["url"], message: `"${url}" needs a port (host:port)` });
}

const ORDERED_OPS = new Set(["<", "<=", ">", ">="]);

/** Every problem of meaning in one check. */
export function checkSemantics(check: CheckInput): RelativeProblem[] {
  const out: RelativeProblem[] = [];
  switch (check.type) {
    case "http": {
      urlProblem(check.url, false, out);
      const e = check.expect ?? {};
      regexProblem(e.statusRegex, ["expect", "statusRegex"], out);
      regexProblem(e.bodyMatches, ["expect", "bodyMatches"], out);
      regexProblem(e.bodyNotMatches, ["expect", "bodyNotMatches"], out);
      (Array.isArray(e.status) ? e.status : []).forEach((s, i) => {
        const m = typeof s === "string" ? /^(\d{3})-(\d{3})$/.exec(s) : null;
        if (m && Number(m[1]) > Number(m[2])) out.push({ at: ["expect", "status", i], message: `range "${s}" is empty (start above end)` });
      });
      for (const [list, key] of [[Array.isArray(e.json) ? e.json : [], "json"], [Array.isArray(e.headers) ? e.headers : [], "headers"]] as const) {
        list.forEach((a, i) => {
          const op = a.op ?? "==";
          if (op !== "exists" && op !== "not-exists" && a.value === undefined) out.push({ at: ["expect", key, i, "value"], message: `operator ${op} needs a value` });
          if (op === "matches" || op === "not-matches") regexProblem(String(a.value ?? ""), ["expect", key, i, "value"], out);
          if (ORDERED_OPS.has(op) && key === "json" && typeof a.value !== "number") out.push({ at: ["expect", key, i, "value"], message: `operator ${op} needs a number` });
        });
      }
      if (Boolean(check.tls?.cert) !== Boolean(check.tls?.key)) out.push({ at: ["tls"], message: "a client certificate needs both cert and key" });
      break;
    }
    case "tcp":
      urlProblem(check.url, true, out);
      regexProblem(check.expectRegex, ["expectRegex"], out);
      break;
    case "tls":
      urlProblem(check.url, true, out);
      break;
    case "heartbeat": {
      const p = heartbeatPolicyOf(check);
      if ("error" in p) out.push({ at: [p.at], message: p.error });
      break;
    }
    case "dns":
      if (check.resolver !== undefined && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+)(:\d{1,5})?$|^[0-9a-fA-F:]+$/.test(check.resolver)) {
        out.push({ at: ["resolver"], message: `resolver "${check.resolver}" is not host, host:port or [ipv6]:port` });
      }
      break;
  }
  return out;
}

/** Lower-case, dash-separated form of a name for use in ids. */
export function slugify(name: string): string {
  const s = name.normalize("NFKD").toLowerCase().replace(/[^a-z0-9._]+/g, "-").replace(/^-+|-+$/g, "");
  return s || "unnamed";
}
