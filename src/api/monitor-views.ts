/**
 * Monitors as the API shows them: listing rows from the engine's memory (or the store while it
 * starts), the summaries of a page with their latest results, uptime and acknowledgements, and
 * one monitor in full.
 */
import type { Engine } from "../engine/engine.ts";
import { heartbeatSlug, heartbeatUuid } from "../heartbeats/policy.ts";
import { acknowledgements } from "../store/incident-notes.ts";
import { lastResults } from "../store/result-pages.ts";
import type { MonitorView, Store } from "../store/types.ts";
import { type MonitorRow, monitorSummary, publicDefinition, resultJson, rowOfMonitor, targetOf, uptimeOf } from "./monitor-json.ts";

/** What the monitor routes read from. */
export interface MonitorRoutesDeps {
  /** The store. */
  store: Store;
  /** The engine (absent while starting). */
  engine: () => Engine | undefined;
  /** Epoch-ms clock. */
  now: () => number;
  /** Channel names in force, to check `alerts` (unchecked when absent). */
  channels?: () => ReadonlySet<string> | undefined;
}

/** A listing row from a stored monitor (while the engine starts). */
function rowOfView(v: MonitorView): MonitorRow {
  const d = v.definition as { check?: unknown; settings?: { labels?: Record<string, string> }; source?: { file?: string } } | null;
  const row: MonitorRow = { id: v.id, name: v.name, kind: v.kind, groupPath: v.groupPath, source: v.source, labels: d?.settings?.labels ?? {}, status: v.status };
  const target = targetOf(d?.check);
  if (target) row.target = target;
  if (d?.source?.file) row.file = d.source.file;
  if (v.since !== undefined) row.since = v.since;
  if (v.incident) row.incident = v.incident;
  return row;
}

/** Every monitor as a listing row: from the engine's memory, or from the store while it starts. */
export async function monitorRows(d: MonitorRoutesDeps): Promise<MonitorRow[]> {
  const e = d.engine();
  if (!e) return (await d.store.listMonitors()).map(rowOfView);
  const rows: MonitorRow[] = [];
  for (const x of e.entries()) rows.push(rowOfMonitor(x.monitor, x.state, x.lastMs !== undefined ? { lastMs: x.lastMs } : {}));
  return rows;
}

/** The summaries of a page of rows: latest results, uptime and acknowledgements in three queries. */
export async function summaries(d: MonitorRoutesDeps, page: MonitorRow[]) {
  const ids = page.map((r) => r.id);
  const e = d.engine();
  const acked = page.filter((r) => r.incident && e?.entry(r.id)?.acknowledged);
  const seqs = acked.length ? new Map((await d.store.db.selectFrom("monitors").select(["id", "seq"]).where("id", "in", acked.map((r) => r.id)).execute()).map((x) => [x.id, Number(x.seq)])) : new Map<string, number>();
  const [last, uptime, acks] = await Promise.all([lastResults(d.store.db, ids), d.store.uptime(d.now(), ids), acknowledgements(d.store.db, acked.map((r) => ({ seq: seqs.get(r.id) ?? -1, number: r.incident?.number ?? 0 })))]);
  return page.map((r) => {
    const ack = r.incident ? acks.get(`${seqs.get(r.id)}/${r.incident.number}`) : undefined;
    return monitorSummary(ack ? { ...r, ack } : r, last.get(r.id), uptime.get(r.id));
  });
}

/** A monitor in full: definition, uptime per period, recent results, heartbeat details; undefined when unknown. */
export async function monitorDetail(d: MonitorRoutesDeps, id: string) {
  const v = await d.store.getMonitor(id);
  if (!v) return undefined;
  const e = d.engine();
  const live = e?.entry(id);
  const row = live ? rowOfMonitor(live.monitor, live.state) : rowOfView(v);
  const [[summary], uptime, recent] = await Promise.all([summaries(d, [row]), d.store.uptime(d.now(), [id]), d.store.results(id, { limit: 20 })]);
  const out: Record<string, unknown> = { ...summary, uptime: uptimeOf(uptime.get(id)), definition: publicDefinition(v.kind, v.definition), createdAt: v.createdAt, updatedAt: v.updatedAt, recentResults: recent.map(resultJson) };
  const hb = e?.heartbeats.view(id);
  if (hb && live?.monitor.kind === "heartbeat") {
    const c = live.monitor.check;
    out.heartbeat = { ...hb, uuid: heartbeatUuid(id, c.uuid), slug: heartbeatSlug(id, c.slug), ...(c.pushToken ? { pushToken: c.pushToken } : {}) };
    out.recentPings = await d.store.pings(id, { limit: 20 });
  }
  return out;
}

