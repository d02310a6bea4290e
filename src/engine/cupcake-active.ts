/**
 * Cupcake's `active` table is the record of its open incidents (compat §1.5, §1.9). At start it
 * is read back for Cupcake-sourced monitors: a row opens the incident it describes (no new
 * alert: it was sent when the row was written), and an incident whose row was deleted (by hand,
 * or by REMOVE_UNKNOWN_ACTIVES) is closed without a recovery message, as Cupcake would forget it.
 */
import type { Logger } from "pino";
import type { Monitor } from "../config/model.ts";
import { initialState, type MonitorState } from "../core/monitor-state.ts";
import type { Store } from "../store/types.ts";
import type { BatchWriter } from "./writer.ts";

/** Brings the loaded states of Cupcake monitors in line with the `active` table. */
export async function reconcileCupcake(store: Store, monitors: Monitor[], states: Map<string, MonitorState>, seqs: Map<string, number>, writer: BatchWriter, at: number, log: Logger): Promise<void> {
  const cupcake = monitors.filter((m) => m.source.cupcakeKey);
  if (!cupcake.length) return;
  const rows = new Map((await store.cupcakeActives()).map((a) => [a.key.join("\u0000"), a]));
  for (const m of cupcake) {
    const row = rows.get((m.source.cupcakeKey as string[]).join("\u0000"));
    const seq = seqs.get(m.id) as number;
    const s = states.get(m.id) ?? initialState(m.id, at);
    if (row && !s.incident) {
      const openedAt = Math.round(row.timestamp * 1000);
      const incident = { number: s.lastIncidentNumber + 1, openedAt, cause: row.message };
      const next: MonitorState = { ...s, status: "down", since: openedAt, failures: 1, successes: 0, incident, lastIncidentNumber: incident.number };
      states.set(m.id, next);
      writer.add({ states: [{ seq, state: next }], incidents: [{ seq, incident }] });
      log.info({ monitor: m.id, since: new Date(openedAt).toISOString() }, "open incident taken from Cupcake's active table");
    } else if (!row && s.incident) {
      const incident = { ...s.incident, resolvedAt: at, durationSec: (at - s.incident.openedAt) / 1000, resolution: "removed" as const };
      const { incident: _gone, lastReminderAt: _r, ...rest } = s;
      const next: MonitorState = { ...rest, status: "pending", since: at, failures: 0, successes: 0 };
      states.set(m.id, next);
      writer.add({ states: [{ seq, state: next }], incidents: [{ seq, incident }] });
      log.info({ monitor: m.id }, "incident closed: its row left Cupcake's active table");
    }
  }
}
