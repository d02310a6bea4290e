/** Maintenance windows from the native file: matchers compiled, times parsed, every mistake named with its path. */
import { parseMatcher, type Matcher } from "../core/matchers.ts";
import type { MaintenanceWindow } from "../core/maintenance.ts";
import { compileCron } from "../heartbeats/cron.ts";
import { parseDurationMs } from "../lib/duration.ts";
import type { ConfigProblem } from "./problems.ts";
import type { ParsedSource } from "./source.ts";

/** A window as configured, with where it was written. */
export type MaintenanceConfig = MaintenanceWindow & { file: string; path: string };

type Raw = { name?: unknown; matchers?: unknown; start?: unknown; end?: unknown; cron?: unknown; duration?: unknown; timezone?: unknown; comment?: unknown };

/** An ISO 8601 time with a date, a time and a zone (`Z` or an offset); anything else is refused rather than read in local time. */
function isoTime(v: unknown): number | undefined {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Compiles the `maintenance` list (shape errors are reported by the schema; this checks meaning). */
export function maintenanceOf(src: ParsedSource, raw: unknown, problems: ConfigProblem[]): MaintenanceConfig[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: MaintenanceConfig[] = [];
  const names = new Set<string>();
  raw.forEach((item: Raw, i) => {
    if (!item || typeof item !== "object" || typeof item.name !== "string") return;
    const at = ["maintenance", i];
    const bad = (key: string | undefined, message: string) => problems.push(src.problemAt(key ? [...at, key] : at, message));
    if (names.has(item.name)) bad("name", `maintenance window "${item.name}" is defined twice`);
    names.add(item.name);
    const matchers: Matcher[] = [];
    (Array.isArray(item.matchers) ? item.matchers : []).forEach((t, j) => {
      const m = typeof t === "string" ? parseMatcher(t) : undefined;
      if (m && !("error" in m)) matchers.push(m);
      else if (m) problems.push(src.problemAt([...at, "matchers", j], m.error));
    });
    const w: MaintenanceConfig = { name: item.name, matchers, file: src.file, path: `maintenance[${i}]`, ...(typeof item.comment === "string" ? { comment: item.comment } : {}) };
    const oneOff = item.start !== undefined || item.end !== undefined;
    const recurring = item.cron !== undefined || item.duration !== undefined;
    if (oneOff && recurring) return bad(undefined, "a maintenance window is either one-off (start and end) or recurring (cron and duration), not both");
    if (!oneOff && !recurring) return bad(undefined, "a maintenance window needs start and end, or cron and duration");
    if (oneOff) {
      const start = isoTime(item.start);
      const end = isoTime(item.end);
      if (start === undefined) bad("start", `start ${JSON.stringify(item.start)} is not an ISO 8601 time with a zone, e.g. 2026-12-01T22:00:00+01:00`);
      if (end === undefined) bad("end", `end ${JSON.stringify(item.end)} is not an ISO 8601 time with a zone, e.g. 2026-12-02T02:00:00+01:00`);
      if (start === undefined || end === undefined) return;
      if (end <= start) return bad("end", "end must be after start");
      out.push({ ...w, start, end });
      return;
    }
    const durationMs = item.duration === undefined ? undefined : parseDurationMs(item.duration as string | number);
    if (typeof item.cron !== "string") return bad("cron", "a recurring window needs cron (when each window starts)");
    if (!durationMs) return bad("duration", "a recurring window needs a duration longer than zero");
    const timezone = typeof item.timezone === "string" ? item.timezone : "UTC";
    const cron = compileCron(item.cron, timezone);
    if ("error" in cron) return bad(cron.error.startsWith("unknown time zone") ? "timezone" : "cron", cron.error);
    out.push({ ...w, next: cron.next, durationMs, cron: { expr: item.cron, timezone } });
  });
  return out;
}
