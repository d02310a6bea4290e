/**
 * History for tests and screenshots: hour rollups for the last day and day rollups for the last
 * 90 days, written straight into a store before the server starts (the engine keeps the monitors'
 * keys, so the history shows up under the monitors of the configuration).
 */
import { BUCKET_MS, bucketStart } from "../../src/store/rollups.ts";
import { emptyBatch, type RollupRecord, type Store } from "../../src/store/types.ts";

/** A monitor to give a history, and how often it failed (0…1). */
export interface SeededMonitor {
  /** Id as in the configuration. */
  id: string;
  /** Name. */
  name: string;
  /** Groups. */
  groupPath: string[];
  /** Kind. */
  kind: string;
  /** Share of hours and days with some failures. */
  flakiness: number;
  /** Typical latency (ms). */
  latencyMs: number;
  /** Also raw results every 2 minutes over the last day (for the latency chart), checking this URL. */
  results?: string;
}

/** A small deterministic random source (the same history on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function row(seq: number, bucket: number, checks: number, failures: number, degraded: number, latencyMs: number): RollupRecord {
  const ok = checks - failures;
  return { seq, bucket, checks, failures, degraded, downMs: failures * 60_000, latCount: ok, latSum: ok * latencyMs, latMin: latencyMs * 0.6, latMax: latencyMs * 2.5, sketch: "" };
}

/** Writes the monitors and their history into `store`, ending at `now`. */
export async function seedHistory(store: Store, monitors: SeededMonitor[], now: number): Promise<void> {
  const seqs = await store.syncMonitors(
    monitors.map((m) => ({ id: m.id, name: m.name, kind: m.kind, groupPath: m.groupPath, source: "native", definition: { check: {}, settings: { labels: {} } } })),
    now - 91 * BUCKET_MS.day,
  );
  const rnd = random(42);
  for (const m of monitors) {
    const seq = seqs.get(m.id) as number;
    const b = emptyBatch();
    const hour0 = bucketStart("hour", now) - 23 * BUCKET_MS.hour;
    for (let i = 0; i < 23; i++) {
      const bad = rnd() < m.flakiness;
      const failures = bad ? Math.ceil(rnd() * (rnd() < 0.3 ? 60 : 6)) : 0;
      b.rollups.push({ size: "hour", row: row(seq, hour0 + i * BUCKET_MS.hour, 60, failures, rnd() < m.flakiness / 2 ? 3 : 0, m.latencyMs * (0.8 + rnd() * 0.4)), merge: false });
    }
    const day0 = bucketStart("day", now) - 89 * BUCKET_MS.day;
    for (let i = 0; i < 89; i++) {
      const bad = rnd() < m.flakiness;
      const failures = bad ? Math.ceil(rnd() * (rnd() < 0.2 ? 900 : 20)) : 0;
      b.rollups.push({ size: "day", row: row(seq, day0 + i * BUCKET_MS.day, 1440, failures, 0, m.latencyMs * (0.8 + rnd() * 0.4)), merge: false });
    }
    if (m.results) b.results.push(...rawResults(seq, m, now, rnd));
    await store.commit(b);
  }
}

/** Results every 2 minutes for a day: phases around the typical latency, a failure now and then. */
function rawResults(seq: number, m: SeededMonitor, now: number, rnd: () => number) {
  const out = [];
  for (let at = now - 86_400_000; at < now - 120_000; at += 120_000) {
    const wave = 1 + 0.35 * Math.sin(at / 5_400_000);
    const timings = { dnsMs: 2 + rnd() * 3, connectMs: 8 * wave + rnd() * 4, tlsMs: 18 * wave + rnd() * 6, ttfbMs: m.latencyMs * 0.6 * wave + rnd() * 20, transferMs: 4 + rnd() * 8, totalMs: 0 };
    timings.totalMs = timings.dnsMs + timings.connectMs + timings.tlsMs + timings.ttfbMs + timings.transferMs;
    if (rnd() < m.flakiness / 6) {
      const attempt = { attempt: 1, health: "down", timings, statusCode: 500, phase: "assert", failure: "assertion", reason: "status: expected 2xx, got 500" };
      out.push({ seq, at, health: "down" as const, durationMs: timings.totalMs, statusCode: 500, phase: "assert", failure: "assertion", reason: attempt.reason, region: "local", detail: { attempts: [attempt], assertions: [{ name: "status", ok: false, severity: "down", expected: "2xx", actual: "500" }], facts: { url: m.results, statusCode: 500, bodyExcerpt: "<html><body><h1>500 Internal Server Error</h1><p>payment gateway unreachable</p></body></html>", bodyBytes: 92 } } });
    } else out.push({ seq, at, health: "up" as const, durationMs: timings.totalMs, statusCode: 200, region: "local", detail: { timings } });
  }
  return out;
}
