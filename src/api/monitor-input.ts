/**
 * The API's monitor bodies: a native file's monitor entry plus `group`, loaded by the same code
 * that loads a file's entry (schema, defaults, meaning checks, id rule, settings), so a monitor
 * made over the API behaves exactly as the same fields in a file. Then the checks that need the
 * running set: `dependsOn` names monitors and makes no cycle, ping addresses are free, `alerts`
 * names channels.
 */
import { type TSchema, Type } from "@sinclair/typebox";
import { SECRET_MASK } from "../alerting/secrets.ts";
import type { Monitor, MonitorSource } from "../config/model.ts";
import { loadMonitorEntry } from "../config/native.ts";
import { formatPath } from "../config/problems.ts";
import { CHECK_SCHEMAS } from "../config/schema/checks.ts";
import type { ParsedSource } from "../config/source.ts";
import type { Engine } from "../engine/engine.ts";
import { heartbeatSlug, heartbeatUuid } from "../heartbeats/policy.ts";

/** One thing wrong with a body, at its path. */
export interface BodyProblem {
  /** Path in the body (`expect.status[0]`), empty for the body itself. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** The `group` field of a body. */
export const GroupField = Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.String()], {
  description: "Group path: names, outermost first (or one string `a/b`). The id is derived from it and the name when `id` is absent, as in a file.",
});

/** Without the keywords that only Upbeat's own validation reads, for the OpenAPI document. */
function docOnly(s: TSchema): unknown {
  return JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === "errorMessage" || k === "secret" ? undefined : v)));
}

/** The create/update body for the OpenAPI document: a monitor entry of each kind, plus `group`. */
export const MonitorBodyDoc = Type.Unsafe<Record<string, unknown>>({
  description: "A monitor entry exactly as in a native configuration file (`type` or a url scheme chooses the kind), plus `group`.",
  anyOf: Object.values(CHECK_SCHEMAS).map((s) => {
    const d = docOnly(s) as { properties: Record<string, unknown> };
    return { ...d, properties: { ...d.properties, group: docOnly(GroupField) } };
  }),
});

/** A parsed source over a JSON body: problems carry paths but no line. */
function bodySource(value: unknown): ParsedSource {
  return { file: "body", value, problems: [], problemAt: (segments, message, o = {}) => ({ severity: o.severity ?? "error", file: "body", path: formatPath(segments), message }) };
}

function groupOf(raw: unknown): string[] | BodyProblem {
  if (raw === undefined || raw === null) return [];
  const parts = typeof raw === "string" ? raw.split("/") : Array.isArray(raw) && raw.every((g) => typeof g === "string") ? (raw as string[]) : undefined;
  if (!parts) return { path: "group", message: "expected a list of group names or one string a/b" };
  const names = parts.map((s) => s.trim());
  if (names.some((n) => !n) && typeof raw !== "string") return { path: "group", message: "group names must not be empty" };
  return names.filter(Boolean);
}

/** Loads a body into a monitor of `source`; `id` is the monitor's id on update (the body may repeat it, not change it). */
export function monitorFromBody(body: unknown, o: { id?: string; source: MonitorSource["format"] }): { monitor: Monitor } | { problems: BodyProblem[] } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return { problems: [{ path: "", message: "the body must be a JSON object: a monitor entry as in a configuration file" }] };
  const { group, ...entry } = body as Record<string, unknown>;
  const groupPath = groupOf(group);
  if (!Array.isArray(groupPath)) return { problems: [groupPath] };
  if (o.id !== undefined) {
    if (entry.id !== undefined && entry.id !== o.id) return { problems: [{ path: "id", message: `the id cannot change (it is "${o.id}"); create a new monitor and delete this one` }] };
    entry.id = o.id;
  }
  const loaded = loadMonitorEntry(bodySource(entry), entry, groupPath);
  const errors = loaded.problems.filter((p) => p.severity === "error");
  if (!loaded.monitor || errors.length) return { problems: errors.map((p) => ({ path: p.path, message: p.message })) };
  return { monitor: { ...loaded.monitor, source: { format: o.source } } as Monitor };
}

/** Checks that need the running monitors: parents exist without a cycle, ping addresses are free, channels exist. */
export function crossProblems(m: Monitor, engine: Engine, channels?: ReadonlySet<string>): BodyProblem[] {
  const out: BodyProblem[] = [];
  const deps = m.settings.dependsOn ?? [];
  deps.forEach((p, i) => {
    if (p === m.id) out.push({ path: `dependsOn[${i}]`, message: "a monitor cannot depend on itself" });
    else if (!engine.get(p)) out.push({ path: `dependsOn[${i}]`, message: `no monitor "${p}"` });
  });
  if (!out.length && dependsOnItself(m, engine)) out.push({ path: "dependsOn", message: `monitor "${m.id}" would depend on itself through dependsOn` });
  if (m.kind === "heartbeat") {
    const keys: Array<["uuid" | "slug" | "token", string | undefined, string]> = [
      ["uuid", heartbeatUuid(m.id, m.check.uuid), "uuid"],
      ["slug", heartbeatSlug(m.id, m.check.slug), "slug"],
      ["token", m.check.pushToken, "pushToken"],
    ];
    for (const [by, key, field] of keys) {
      const other = key === undefined ? undefined : engine.heartbeats.find(by, key);
      if (other && other !== m.id) out.push({ path: field, message: `heartbeat ${field} "${key}" is already used by "${other}"${field === "slug" ? "; give this one an explicit slug" : ""}` });
    }
  }
  if (channels) m.settings.alerts.forEach((a, i) => channels.has(a) || out.push({ path: `alerts[${i}]`, message: `no channel named "${a}"` }));
  return out;
}

/** Whether following `dependsOn` from `m` (with the running monitors' lists) leads back to it. */
function dependsOnItself(m: Monitor, engine: Engine): boolean {
  const seen = new Set<string>();
  const stack = [...(m.settings.dependsOn ?? [])];
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === m.id) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(engine.get(id)?.monitor.settings.dependsOn ?? []));
  }
  return false;
}

/**
 * A body sent back as it was read keeps its secrets: request header values and a URL password
 * given as the mask take the stored values (the API never shows them).
 */
export function restoreSecrets(body: Record<string, unknown>, stored: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  const h = body.headers;
  const old = stored.headers as Record<string, string> | undefined;
  if (h && typeof h === "object" && !Array.isArray(h) && old) {
    out.headers = Object.fromEntries(Object.entries(h as Record<string, unknown>).map(([k, v]) => [k, v === SECRET_MASK && k in old ? old[k] : v]));
  }
  if (typeof body.url === "string" && typeof stored.url === "string") {
    try {
      const now = new URL(body.url);
      const before = new URL(stored.url);
      if (decodeURIComponent(now.password) === SECRET_MASK && before.password) {
        now.password = before.password;
        out.url = now.toString();
      }
    } catch {
      // Not URLs: left for the loader to judge.
    }
  }
  return out;
}

/** A body's problems as one line: `url: …; interval: …`. */
export function problemsText(problems: readonly BodyProblem[]): string {
  return problems.map((p) => `${p.path ? `body.${p.path}` : "body"}: ${p.message}`).join("; ");
}
