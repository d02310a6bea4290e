/**
 * What the engine children (engine-run.ts, engine-probe.ts) share: a configuration of N monitors
 * loaded with `loadText` as `upbeat serve` loads a file, and a quiet logger that counts messages.
 */
import pino from "pino";
import { loadText } from "../../src/config/load.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import { defaultProbeThreads } from "../../src/probes/pool.ts";

/** The probe threads `upbeat serve` would run here: UPBEAT_PROBE_THREADS (0: the main thread) or its default. */
export function serveProbeThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.UPBEAT_PROBE_THREADS;
  if (v === undefined) return defaultProbeThreads();
  if (!/^\d+$/.test(v)) throw new Error(`UPBEAT_PROBE_THREADS=${JSON.stringify(v)}: expected a whole number`);
  return Number(v);
}

/**
 * N monitors, monitor i checking `urlOf(i)` (an http:// URL or tcp://host:port), every
 * `intervalMs`. As test/helpers/engine.ts does, the interval is set on the resolved settings, so
 * it may be below what a file allows.
 */
export function monitorsConfig(count: number, urlOf: (i: number) => string, intervalMs: number): UpbeatConfig {
  const lines = ["monitors:"];
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) lines.push(`  - { name: m${String(i).padStart(width, "0")}, url: "${urlOf(i)}" }`);
  const { config, problems } = loadText("bench.yaml", lines.join("\n"), { env: {} });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad bench config: ${JSON.stringify(errors.slice(0, 3))}`);
  for (const m of config.monitors) m.settings.intervalMs = intervalMs;
  return config;
}

/** A pino logger at warn level that counts messages (a few are echoed to stderr) instead of printing thousands; process warnings are counted too. */
export function countingLog(label: string) {
  const counts: Record<string, number> = {};
  let echoed = 0;
  const log = pino(
    { level: "warn" },
    {
      write(line: string) {
        const msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? "?");
        counts[msg] = (counts[msg] ?? 0) + 1;
        if (echoed++ < 5) process.stderr.write(`${label}: ${line}`);
      },
    },
  );
  // Node's own process warnings (printed to stderr as usual) are counted with the log messages.
  process.on("warning", (w) => {
    const key = `process warning ${w.name}: ${w.message.slice(0, 80)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  });
  return { log, counts };
}
