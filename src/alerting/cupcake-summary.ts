/**
 * Cupcake's summary digest (compat §1.7): the endpoints watched and the rows of Cupcake's `active`
 * table, word for word, sent to the channels of the alert group `summary`. With
 * REMOVE_UNKNOWN_ACTIVES, rows whose endpoint left the file or sits in a disabled group are
 * listed as removed and deleted, as that variable promised (Cupcake's own code crashed there).
 */
import type { UpbeatConfig } from "../config/model.ts";
import type { CupcakeCompat, Notification } from "../notifiers/types.ts";
import type { CupcakeActive } from "../store/types.ts";

/** One listed row: the row and whether it is being removed. */
export interface SummaryLine {
  /** The `active` row. */
  row: CupcakeActive;
  /** Listed as `removing alert: …` (REMOVE_UNKNOWN_ACTIVES). */
  removing: boolean;
}

/** A Cupcake timestamp (epoch seconds) as Cupcake prints it: `YYYY-mm-dd HH:MM:SS` in UTC. */
export function cupcakeTime(epochSec: number): string {
  return new Date(Math.floor(epochSec) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** The summary text (compat §1.7), exactly as Cupcake wrote it. */
export function cupcakeSummaryText(endpoints: number, lines: readonly SummaryLine[]): string {
  const head = `Cupcake is alive and currently monitoring ${endpoints} endpoint${endpoints === 1 ? "" : "s"}.`;
  if (!lines.length) return `${head}\n\nCupcake is not currently aware of any alerts.`;
  const listed = lines.map((l) => `${l.removing ? "removing alert: " : ""}${l.row.message} since ${cupcakeTime(l.row.timestamp)}\n`).join("");
  return `${head}\n\nCupcake is aware of the following alerts:\n${listed}`;
}

const keyOf = (k: readonly string[]): string => k.join("\u0000");

/** Cupcake endpoints of the configuration: how many are enabled, and the keys of those enabled (by monitor id). */
export function cupcakeEndpoints(config: UpbeatConfig): { count: number; enabled: Map<string, string> } {
  const enabled = new Map<string, string>();
  for (const m of config.monitors) if (m.source.cupcakeKey && m.source.enabled !== false) enabled.set(keyOf(m.source.cupcakeKey), m.id);
  return { count: enabled.size, enabled };
}

/** The summary's lines: every row in table order, marked for removal when unknown and removal is asked for. */
export function summaryLines(rows: readonly CupcakeActive[], enabledKeys: ReadonlyMap<string, string>, removeUnknown: boolean): SummaryLine[] {
  return rows.map((row) => ({ row, removing: removeUnknown && !enabledKeys.has(keyOf(row.key)) }));
}

/** The channels of the alert group `summary` (without an alert definitions file: a channel named `summary`, if any). */
export function summaryChannels(config: UpbeatConfig): string[] {
  if (config.cupcakeAlerts) return config.cupcakeAlerts.groups.get("summary") ?? [];
  return (config.channels ?? []).some((c) => c.name === "summary") ? ["summary"] : [];
}

/** The summary as a notification: Cupcake's text and its summary incident dict (empty strings, `result: {}`). */
export function summaryNotification(text: string, endpoints: number, alerts: number, at: number): Notification {
  const incident = { endpoint: "", endpoint_group: "", environment: "", environment_group: "", expected: "", message: text, presentation_message: "", result: {}, timestamp: at / 1000, url: "" };
  const compat: CupcakeCompat = { tool: "cupcake", message: text, incident };
  const title = `Cupcake summary: ${endpoints} endpoint${endpoints === 1 ? "" : "s"}, ${alerts} alert${alerts === 1 ? "" : "s"}`;
  return { kind: "digest", severity: "info", title, text, monitors: [], at, dedupKey: "upbeat:cupcake-summary", idempotencyKey: `cupcake-summary:${at}`, compat };
}
