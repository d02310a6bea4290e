/** Engines for tests: real probes, a real store, monitors loaded from config text. */
import pino from "pino";
import { loadText } from "../../src/config/load.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import { Engine, type EngineOptions } from "../../src/engine/engine.ts";
import type { OutboxRecord, Store } from "../../src/store/types.ts";
import { PROBES } from "../../src/probes/registry.ts";

/** A silent logger. */
export const quietLog = pino({ level: "silent" });

/** Loads YAML (or Cupcake JSON) text; fails the test on any problem. Intervals are shortened to `intervalMs`. */
export function configOf(text: string, intervalMs = 100, env: Record<string, string> = {}): UpbeatConfig {
  const { config, problems } = loadText("test.yaml", text, { env });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad test config: ${JSON.stringify(errors)}`);
  // The schema's floor is 1 s; tests run faster through the same engine.
  for (const m of config.monitors) m.settings.intervalMs = intervalMs;
  return config;
}

/** An engine and every effect it committed, in order. */
export async function startEngine(config: UpbeatConfig, store: Store, over: Partial<EngineOptions> = {}): Promise<{ engine: Engine; effects: OutboxRecord[] }> {
  const effects: OutboxRecord[] = [];
  const also = over.effects;
  const engine = await Engine.start(config, {
    store,
    probes: PROBES,
    log: quietLog,
    flushMs: 20,
    ...over,
    effects: async (e) => {
      effects.push(e.record);
      await also?.(e);
    },
  });
  return { engine, effects };
}
