/**
 * A Cupcake-compatible Upbeat for tests, wired as `upbeat serve` wires it: Cupcake's files read
 * through the environment (ENDPOINT_DEFINITIONS_FILE's file and ALERT_DEFINITIONS_FILE), the
 * real engine on a real SQLite store, real channels, Cupcake's summary; a fake clock drives the
 * cycles (SLEEP_SECONDS apart) while probes and deliveries use real sockets on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Alerting } from "../../src/alerting/alerting.ts";
import { resolveAlerting } from "../../src/alerting/config.ts";
import { Digests } from "../../src/alerting/digests.ts";
import { parseCupcakeEnv } from "../../src/config/cupcake-env.ts";
import { loadFiles } from "../../src/config/load.ts";
import type { UpbeatConfig } from "../../src/config/model.ts";
import type { Engine } from "../../src/engine/engine.ts";
import { NOTIFIERS } from "../../src/notifiers/registry.ts";
import { phaseOffset } from "../../src/scheduler/scheduler.ts";
import type { OutboxRecord, Store } from "../../src/store/types.ts";
import { quietLog, startEngine } from "./engine.ts";
import { FakeClock } from "./fake-clock.ts";
import { waitFor } from "./wait.ts";

/** A running instance. */
export interface CupcakeUnderTest {
  /** The clock the engine and the summary run on. */
  clock: FakeClock;
  /** The engine. */
  engine: Engine;
  /** Effects committed. */
  effects: OutboxRecord[];
  /** The loaded configuration. */
  config: UpbeatConfig;
  /** The store. */
  store: Store;
  /** Runs one Cupcake cycle: SLEEP_SECONDS pass, every enabled endpoint is probed, alerts are delivered. */
  cycle(): Promise<void>;
  /** Waits until every queued notification is delivered (or given up). */
  delivered(): Promise<void>;
  /** Rewrites the endpoints file and reloads, as `upbeat serve` does when the file changes. */
  reload(endpoints: unknown): Promise<void>;
  /** Stops everything (the store is kept). */
  stop(): Promise<void>;
}

/** Options of an instance. */
export interface CupcakeOptions {
  /** Cupcake's endpoint definitions (an object, written as JSON). */
  endpoints: unknown;
  /** Cupcake's alert definitions, if any. */
  alerts?: unknown;
  /** More environment (SUMMARY_ENABLED, CONNECTION_TIMEOUT_SECONDS, …); SLEEP_SECONDS is 60 unless given. */
  env?: Record<string, string>;
  /** The store (a restart passes the same database, reopened). */
  store: Store;
  /** Clock (a restart may keep it). */
  clock?: FakeClock;
}

/** The first time the scheduler runs a monitor of this interval (its own phase of the grid), at or after `now`. */
export function firstRunAt(id: string, intervalMs: number, now: number): number {
  const grid = Math.floor(now / intervalMs) * intervalMs + phaseOffset(id, intervalMs);
  return grid >= now ? grid : grid + intervalMs;
}

/** When the clock's next timer is due. */
function nextTimer(clock: FakeClock): number | undefined {
  const due = [...clock.timers.values()].map((x) => x.at);
  return due.length ? Math.min(...due) : undefined;
}

/**
 * Moves the clock timer by timer, each check that falls due finished and written before time
 * moves on, so that results carry their scheduled time (a check's time is taken when it ends).
 */
export async function stepClock(clock: FakeClock, engine: Engine, ms: number): Promise<void> {
  const end = clock.t + ms;
  for (let next = nextTimer(clock); next !== undefined && next <= end; next = nextTimer(clock)) {
    await clock.advance(next - clock.t);
    await waitFor("the checks due finished", () => engine.stats().running === 0 && engine.stats().backlog === 0, 15_000);
    await engine.writer.durable();
  }
  await clock.advance(end - clock.t);
}

/** A temp dir for the files of a test; removed by `cleanup`. */
export function cupcakeDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "upbeat-cupcake-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts an instance whose files are written to `dir`. */
export async function startCupcakeUnderTest(o: CupcakeOptions & { dir: string }): Promise<CupcakeUnderTest> {
  const clock = o.clock ?? new FakeClock();
  const store = o.store;
  const endpointsFile = join(o.dir, "endpoints.json");
  writeFileSync(endpointsFile, JSON.stringify(o.endpoints, null, 2));
  const env: Record<string, string> = { SLEEP_SECONDS: "60", ENDPOINT_DEFINITIONS_FILE: endpointsFile, ...o.env };
  if (o.alerts !== undefined) {
    env.ALERT_DEFINITIONS_FILE = join(o.dir, "alerts.json");
    writeFileSync(env.ALERT_DEFINITIONS_FILE, JSON.stringify(o.alerts, null, 2));
  }
  const { config, problems } = await loadFiles([endpointsFile], { env });
  const resolved = resolveAlerting(config, NOTIFIERS);
  const errors = [...problems, ...resolved.problems].filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`bad test config: ${JSON.stringify(errors)}`);
  const ref: { engine?: Engine } = {};
  const alerting = new Alerting(store, resolved.alerting, (id) => ref.engine?.get(id)?.monitor, quietLog, Date.now, { baseDelayMs: 50, pollMs: 50, timeoutMs: 3000 });
  const digests = new Digests({ store, log: quietLog, kick: () => alerting.deliverer.kick(), cupcake: parseCupcakeEnv(env).value, clock });
  await digests.start(config);
  const { engine, effects } = await startEngine(config, store, { clock, effects: alerting.handler });
  ref.engine = engine;
  digests.attach(engine);
  await alerting.start();
  const intervalMs = Number(env.SLEEP_SECONDS) * 1000;
  let current = config;
  const delivered = async () => {
    await digests.settled();
    await engine.writer.durable();
    await engine.effects.drain();
    await waitFor("every notification delivered", async () => (await store.dueDeliveries(Number.MAX_SAFE_INTEGER, 1)).length === 0, 15_000);
  };
  return {
    clock,
    engine,
    effects,
    config,
    store,
    delivered,
    async cycle() {
      const before = engine.checks;
      const probed = current.monitors.filter((m) => !m.settings.paused).length;
      await stepClock(clock, engine, intervalMs);
      await waitFor("every enabled endpoint probed", () => engine.checks >= before + probed, 15_000);
      await delivered();
    },
    async reload(endpoints) {
      writeFileSync(endpointsFile, JSON.stringify(endpoints, null, 2));
      const next = await loadFiles([endpointsFile], { env });
      const again = resolveAlerting(next.config, NOTIFIERS);
      const bad = [...next.problems, ...again.problems].filter((p) => p.severity === "error");
      if (bad.length) throw new Error(`bad test config: ${JSON.stringify(bad)}`);
      await engine.apply(next.config);
      alerting.setConfig(again.alerting);
      digests.setConfig(next.config);
      current = next.config;
      await engine.writer.durable();
    },
    async stop() {
      await digests.stop();
      await engine.stop();
      await alerting.stop();
    },
  };
}
