/**
 * The per-monitor families, generated at scrape time from the engine's live state (one pass over
 * the monitors), so an observation costs a map write rather than a dozen label look-ups. The lines
 * that depend only on a monitor's definition and status (up, state, info, since) are kept between
 * scrapes and rebuilt only for monitors that changed: at 10,000 monitors most scrapes rebuild few.
 */
import type { Monitor } from "../config/model.ts";
import type { MonitorStatus } from "../core/monitor-state.ts";
import type { Engine } from "../engine/engine.ts";
import { escapeLabel, formatValue } from "./exposition.ts";

/** Every status, in the order `upbeat_monitor_state` lists them (one-hot: exactly one is 1). */
export const MONITOR_STATES: readonly MonitorStatus[] = ["pending", "up", "degraded", "down", "paused", "maintenance"];

/** What the last observation of a monitor left behind for the scrape. */
export interface LastSeen {
  /** Total duration of the deciding attempt (s). */
  durationSec?: number;
  /** The peer certificate's notAfter (epoch s), kept until a later check sees another one. */
  certExpirySec?: number;
}

/** Lines of one monitor that change only with its definition or status. */
interface Chunk {
  monitor: Monitor;
  status: MonitorStatus;
  since: number;
  id: string;
  up: string;
  state: string;
  info: string;
  sinceLine: string;
}

/** The families, in output order, with their help texts. */
const FAMILIES = {
  up: ["upbeat_monitor_up", "Whether the monitor is up (1: up or degraded, 0: down); absent while pending, paused or in maintenance."],
  state: ["upbeat_monitor_state", `The monitor's state, one-hot: 1 for the current one of ${MONITOR_STATES.join(", ")}.`],
  info: ["upbeat_monitor_info", "Always 1; the monitor's name, kind, group and source as labels (join on monitor)."],
  since: ["upbeat_monitor_state_since_timestamp_seconds", "When the monitor entered its current state (Unix time)."],
  duration: ["upbeat_probe_last_duration_seconds", "Total duration of the monitor's last check (the deciding attempt)."],
  cert: ["upbeat_cert_expiry_timestamp_seconds", "notAfter of the TLS certificate the monitor's last TLS connection saw (Unix time)."],
  seen: ["upbeat_heartbeat_last_seen_timestamp_seconds", "When the heartbeat last checked in (Unix time)."],
  age: ["upbeat_heartbeat_age_seconds", "Seconds since the heartbeat last checked in."],
} as const;

type FamilyKey = keyof typeof FAMILIES;

const header = (k: FamilyKey): string => `# HELP ${FAMILIES[k][0]} ${FAMILIES[k][1]}\n# TYPE ${FAMILIES[k][0]} gauge\n`;

/** `upbeat_monitor_up`: 1 up or degraded, 0 down; no sample while pending, paused or in maintenance. */
function upValue(s: MonitorStatus): number | undefined {
  if (s === "up" || s === "degraded") return 1;
  return s === "down" ? 0 : undefined;
}

function chunkOf(m: Monitor, status: MonitorStatus, since: number): Chunk {
  const id = `monitor="${escapeLabel(m.id)}"`;
  const group = escapeLabel(m.groupPath.join("/"));
  const u = upValue(status);
  return {
    monitor: m,
    status,
    since,
    id,
    up: u === undefined ? "" : `upbeat_monitor_up{${id},kind="${m.kind}",group="${group}"} ${u}\n`,
    state: MONITOR_STATES.map((s) => `upbeat_monitor_state{${id},state="${s}"} ${s === status ? 1 : 0}\n`).join(""),
    info: `upbeat_monitor_info{${id},name="${escapeLabel(m.name)}",kind="${m.kind}",group="${group}",source="${m.source.format}"} 1\n`,
    sinceLine: `upbeat_monitor_state_since_timestamp_seconds{${id}} ${formatValue(since / 1000)}\n`,
  };
}

/** Writes the per-monitor families of an engine, keeping unchanged lines between scrapes. */
export class MonitorFamilies {
  private readonly chunks = new Map<string, Chunk>();

  /** The families as text; forgets `last` entries and kept lines of monitors that are gone. */
  render(engine: Engine, last: Map<string, LastSeen>, nowMs: number): string {
    const out: Record<FamilyKey, string[]> = { up: [header("up")], state: [header("state")], info: [header("info")], since: [header("since")], duration: [header("duration")], cert: [header("cert")], seen: [header("seen")], age: [header("age")] };
    const live = new Set<string>();
    for (const st of engine.states()) {
      const r = engine.get(st.monitorId);
      if (!r) continue;
      const m = r.monitor;
      live.add(m.id);
      let c = this.chunks.get(m.id);
      if (!c || c.monitor !== m || c.status !== st.status || c.since !== st.since) this.chunks.set(m.id, (c = chunkOf(m, st.status, st.since)));
      out.up.push(c.up);
      out.state.push(c.state);
      out.info.push(c.info);
      out.since.push(c.sinceLine);
      const l = last.get(m.id);
      if (l?.durationSec !== undefined) out.duration.push(`upbeat_probe_last_duration_seconds{${c.id}} ${formatValue(l.durationSec)}\n`);
      if (l?.certExpirySec !== undefined) out.cert.push(`upbeat_cert_expiry_timestamp_seconds{${c.id}} ${formatValue(l.certExpirySec)}\n`);
      if (m.kind !== "heartbeat") continue;
      const at = engine.heartbeats.track(m.id)?.lastPingAt;
      if (at === undefined) continue;
      out.seen.push(`upbeat_heartbeat_last_seen_timestamp_seconds{${c.id}} ${formatValue(at / 1000)}\n`);
      out.age.push(`upbeat_heartbeat_age_seconds{${c.id}} ${formatValue(Math.max(0, (nowMs - at) / 1000))}\n`);
    }
    for (const id of last.keys()) if (!live.has(id)) last.delete(id);
    if (this.chunks.size > live.size) for (const id of this.chunks.keys()) if (!live.has(id)) this.chunks.delete(id);
    return Object.values(out)
      .map((lines) => lines.join(""))
      .join("");
  }
}
