/** Turns command-line targets (URLs or config files) into monitors. */
import { loadFiles } from "../config/load.ts";
import type { Monitor } from "../config/model.ts";
import type { ConfigProblem } from "../config/problems.ts";
import { DNS_TYPES, HTTP_DEFAULTS } from "../config/schema/checks.ts";
import { checkSemantics } from "../config/semantics.ts";
import { resolveSettings } from "../config/settings.ts";

/** Options of `upbeat check` that shape monitors made from URLs. */
export interface UrlOptions {
  /** Timeout (config duration). */
  timeout?: string;
  /** Extra attempts. */
  retries?: number;
  /** Skip TLS verification. */
  insecure?: boolean;
  /** Trusted CA file. */
  ca?: string;
  /** Accepted statuses (`200`, `2xx`, `200-299`). */
  expectStatus?: string[];
  /** Text the body must contain. */
  contains?: string;
  /** Do not follow redirects. */
  noFollow?: boolean;
  /** Request method. */
  method?: string;
  /** Request headers as `Name: value`. */
  header?: string[];
}

const URL_LIKE = /^(https?|tcp|tls|dns):\/\//i;

/** Whether a target is a URL rather than a file. */
export function isUrlTarget(t: string): boolean {
  return URL_LIKE.test(t);
}

function headersOf(list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  return Object.fromEntries(list.map((h) => [h.slice(0, h.indexOf(":")).trim(), h.slice(h.indexOf(":") + 1).trim()]));
}

/** A monitor for one URL: `http(s)://…`, `tcp://host:port`, `tls://host:port`, `dns://resolver/name?type=MX`. */
export function monitorFromUrl(url: string, o: UrlOptions): Monitor {
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  const settings = resolveSettings({ timeout: o.timeout ?? "10s", retries: o.retries ?? 0, retryDelay: "500ms" });
  const tls = o.insecure || o.ca ? { ...(o.insecure ? { verify: false } : {}), ...(o.ca ? { ca: o.ca } : {}) } : undefined;
  const base = { id: url, name: url, groupPath: [], settings, source: { format: "cli" as const } };
  if (scheme === "tcp") return { ...base, kind: "tcp", check: { type: "tcp", name: url, url } };
  if (scheme === "tls") return { ...base, kind: "tls", check: { type: "tls", name: url, url, ...(tls ? { tls } : {}) } };
  if (scheme === "dns") {
    const u = new URL(url);
    const type = (u.searchParams.get("type") ?? "A").toUpperCase() as (typeof DNS_TYPES)[number];
    const resolver = u.host || undefined;
    return { ...base, kind: "dns", check: { type: "dns", name: url, query: decodeURIComponent(u.pathname.slice(1)), recordType: type, ...(resolver ? { resolver } : {}) } };
  }
  const expect = { ...(o.expectStatus ? { status: o.expectStatus.map((s) => (/^\d+$/.test(s) ? Number(s) : s)) } : {}), ...(o.contains ? { bodyContains: o.contains } : {}) };
  const headers = headersOf(o.header);
  return {
    ...base,
    kind: "http",
    check: { type: "http", name: url, url, method: o.method ?? HTTP_DEFAULTS.method, followRedirects: !o.noFollow, expect, ...(tls ? { tls } : {}), ...(headers ? { headers } : {}) },
  };
}

/** Monitors for every target, and every problem with the targets (bad URLs, bad files). */
export async function monitorsFor(targets: readonly string[], o: UrlOptions, env: Readonly<Record<string, string | undefined>>): Promise<{ monitors: Monitor[]; problems: ConfigProblem[] }> {
  const monitors: Monitor[] = [];
  const problems: ConfigProblem[] = [];
  for (const t of targets.filter(isUrlTarget)) {
    let m: Monitor;
    try {
      m = monitorFromUrl(t, o);
    } catch {
      problems.push({ severity: "error", file: "argv", path: t, message: "not a valid URL" });
      continue;
    }
    const found = checkSemantics(m.check);
    if (m.kind === "dns" && !DNS_TYPES.includes(m.check.recordType as (typeof DNS_TYPES)[number])) found.push({ at: ["type"], message: `unknown record type; expected one of ${DNS_TYPES.join(" ")}` });
    for (const p of found) problems.push({ severity: "error", file: "argv", path: t, message: p.message });
    if (!found.length) monitors.push(m);
  }
  const files = targets.filter((t) => !isUrlTarget(t));
  if (files.length) {
    const loaded = await loadFiles(files, { env });
    problems.push(...loaded.problems);
    monitors.push(...loaded.config.monitors);
  }
  return { monitors, problems };
}
