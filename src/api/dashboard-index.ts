/**
 * The listing's rows from memory while the engine runs: definitions and states from the engine,
 * each monitor's latest result as the engine reports it (seeded from the store once), and the
 * store keys the rollup queries need. So a page of 10,000 monitors costs no scan of the
 * monitors table, only the one rollup query for the rows shown.
 */
import type { Observation } from "../core/types.ts";
import type { Engine } from "../engine/engine.ts";
import { listMonitors } from "../store/dashboard-query.ts";
import type { Store } from "../store/types.ts";
import type { ListRow } from "./dashboard-rows.ts";

interface Last {
  latencyMs: number | null;
  at: number;
  reason: string | null;
}

/** The index over one engine. */
export class DashboardIndex {
  private readonly last = new Map<string, Last>();
  private seqs = new Map<string, number>();
  private seeded: Promise<void> | undefined;
  private count = -1;
  /** Changes whenever a monitor's state changes or monitors come and go: listings made before are stale. */
  version = 0;

  /** Listens to the engine's observations. */
  constructor(
    private readonly store: Store,
    private readonly engine: Engine,
  ) {
    engine.onObservation((o) => this.observe(o));
    engine.onStatus(() => this.version++);
  }

  private observe(o: Pick<Observation, "monitorId" | "health" | "at" | "timings" | "reason">): void {
    this.last.set(o.monitorId, { latencyMs: o.health === "down" ? null : (o.timings?.totalMs ?? null), at: o.at, reason: o.health === "up" ? null : (o.reason ?? null) });
  }

  /** Reads store keys and latest results once (and the keys again when a monitor is new to them). */
  private async seed(force = false): Promise<void> {
    if (this.seeded && !force) return this.seeded;
    this.seeded = (async () => {
      const listed = await listMonitors(this.store.db, false);
      this.seqs = new Map(listed.map((m) => [m.id, m.seq]));
      for (const m of listed) {
        // What the engine reported since start is newer than the stored row.
        if (this.last.has(m.id) || !m.last) continue;
        this.last.set(m.id, { latencyMs: m.last.health === "down" ? null : m.last.durationMs, at: m.last.at, reason: m.last.health === "up" ? null : (m.last.reason ?? null) });
      }
    })();
    return this.seeded;
  }

  /** Every running monitor as a listing row. */
  async rows(): Promise<ListRow[]> {
    await this.seed();
    let out = this.collect();
    if (out.some((r) => r.seq < 0)) {
      await this.seed(true);
      out = this.collect().filter((r) => r.seq >= 0);
    }
    if (out.length !== this.count) {
      this.count = out.length;
      this.version++;
    }
    return out;
  }

  private collect(): ListRow[] {
    const out: ListRow[] = [];
    for (const s of this.engine.states()) {
      const live = this.engine.get(s.monitorId);
      if (!live) continue;
      const m = live.monitor;
      const last = this.last.get(m.id);
      out.push({
        seq: this.seqs.get(m.id) ?? -1,
        id: m.id,
        name: m.name,
        groupPath: m.groupPath,
        kind: m.kind,
        source: m.source.format,
        status: s.status,
        since: s.since,
        latencyMs: last?.latencyMs ?? null,
        lastAt: last?.at ?? null,
        reason: last?.reason ?? null,
        labels: m.settings.labels,
      });
    }
    return out;
  }
}
