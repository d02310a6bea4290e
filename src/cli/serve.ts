/**
 * `upbeat serve` (the default command): loads the configuration, opens the store, starts the
 * engine and the HTTP API, reloads on SIGHUP or file change, and stops cleanly on SIGTERM/SIGINT.
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Logger } from "pino";
import { buildApp } from "../api/app.ts";
import { parseCupcakeEnv } from "../config/cupcake-env.ts";
import { loadFiles } from "../config/load.ts";
import type { UpbeatConfig } from "../config/model.ts";
import { formatProblem, hasErrors } from "../config/problems.ts";
import { parseS3Url } from "../config/s3.ts";
import { Engine } from "../engine/engine.ts";
import { errorMessage } from "../lib/errors.ts";
import { createLogger } from "../lib/logger.ts";
import { PROBES } from "../probes/registry.ts";
import { openStore, storeSpec } from "../store/open.ts";
import type { Store } from "../store/types.ts";

/** Settings of `upbeat serve`. */
export interface ServeOptions {
  /** Configuration files (none: an empty instance). */
  files: string[];
  /** `host:port` to listen on. */
  listen: string;
  /** Data directory. */
  dataDir: string;
}

/** What `serve` gets from the process (main owns signals and the environment). */
export interface ServeIo {
  /** Environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard output. */
  out: (s: string) => void;
  /** Standard error. */
  err: (s: string) => void;
  /** Aborted on SIGTERM/SIGINT. */
  signal: AbortSignal;
  /** Registers the reload handler (SIGHUP). */
  onReload?: (reload: () => void) => void;
}

/** Splits `host:port` (`[::1]:8080` for IPv6); a bare port means 127.0.0.1. */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen) ?? /^()()(\d{1,5})$/.exec(listen);
  if (!m || Number(m[3]) > 65535) return undefined;
  return { host: m[1] || m[2] || "127.0.0.1", port: Number(m[3]) };
}

/** Reloads the configuration on request, one reload at a time; a bad file keeps the running config. */
function reloader(o: ServeOptions, io: ServeIo, log: Logger, engine: Engine, initial: UpbeatConfig): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  let current = initial;
  const once = async () => {
    const { config, problems } = await loadFiles(o.files, { env: io.env });
    if (hasErrors(problems)) {
      for (const p of problems) log.error({ problem: formatProblem(p) }, "configuration problem");
      log.error({ problems: problems.length }, "configuration refused; the running configuration is kept");
      return;
    }
    if (JSON.stringify(config.database) !== JSON.stringify(current.database)) log.warn("database settings changed; they take effect at the next start");
    const summary = await engine.apply(config);
    current = config;
    log.info({ ...summary }, "configuration reloaded");
  };
  const reload = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = once()
      .catch((e: unknown) => log.error({ err: errorMessage(e) }, "reload failed; the running configuration is kept"))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void reload();
        }
      });
    return running;
  };
  return reload;
}

/** Watches the config files' directories (editors replace files rather than write them). */
function watchFiles(files: string[], onChange: () => void): FSWatcher[] {
  const byDir = new Map<string, Set<string>>();
  for (const f of files.filter((f) => !parseS3Url(f))) {
    const abs = resolve(f);
    const set = byDir.get(dirname(abs)) ?? new Set();
    set.add(basename(abs));
    byDir.set(dirname(abs), set);
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, (_event, name) => {
        if (name && !names.has(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(onChange, 300);
      });
      w.on("error", () => {});
      watchers.push(w);
    } catch {
      // A directory that cannot be watched still reloads on SIGHUP.
    }
  }
  return watchers;
}

/** Runs until `signal` aborts; returns the exit code. */
export async function serveCommand(o: ServeOptions, io: ServeIo): Promise<number> {
  const log = createLogger(io.env);
  const addr = parseListen(o.listen);
  if (!addr) {
    io.err(`upbeat: --listen "${o.listen}" is not host:port`);
    return 2;
  }
  const { config, problems } = await loadFiles(o.files, { env: io.env });
  for (const p of problems) io.err(formatProblem(p));
  if (hasErrors(problems)) return 2;
  const cupcakeDbSet = io.env.DB_TYPE !== undefined || io.env.DB_NAME !== undefined;
  const spec = storeSpec({ url: config.database?.url, dataDir: o.dataDir, cupcake: parseCupcakeEnv(io.env).value, cupcakeDbSet });
  let store: Store;
  try {
    store = await openStore(spec);
  } catch (e) {
    io.err(`upbeat: cannot open the database ${spec.kind === "sqlite" ? spec.file : spec.label}: ${errorMessage(e)}`);
    return 1;
  }
  const live: { engine?: Engine; ready: boolean } = { ready: false };
  const app = buildApp({ store, engine: () => live.engine, ready: () => live.ready, log });
  try {
    await app.listen({ host: addr.host, port: addr.port });
  } catch (e) {
    io.err(`upbeat: cannot listen on ${o.listen}: ${errorMessage(e)}`);
    await store.close();
    return 1;
  }
  const engine = await Engine.start(config, { store, probes: PROBES, log, ...(config.database ? { retention: config.database.retention } : {}) });
  live.engine = engine;
  live.ready = true;
  const reload = reloader(o, io, log, engine, config);
  const watchers = watchFiles(o.files, () => void reload());
  io.onReload?.(() => void reload());
  const bound = app.server.address();
  log.info({ listen: typeof bound === "object" && bound ? `${bound.address}:${bound.port}` : o.listen, monitors: config.monitors.length, files: o.files, store: spec.kind === "sqlite" ? spec.file : spec.label }, "upbeat serving");
  if (!io.signal.aborted) await new Promise((r) => io.signal.addEventListener("abort", r, { once: true }));
  log.info("upbeat stopping");
  live.ready = false;
  for (const w of watchers) w.close();
  await Promise.all([app.close(), engine.stop(1200)]);
  await store.close();
  log.info("upbeat stopped");
  return 0;
}
