/**
 * The body of every prober child: warm up, wait for the harness's "go", run the measured loop,
 * report. The harness reads the child's CPU from /proc between "ready" and "done", so only the
 * measured loop is counted (not tsx start-up, module loading or warm-up).
 */
import { startProfile } from "./cpu-profile.ts";
import { runBounded } from "./bounded-pool.ts";
import { boundLifetime, fail, fromParent, toParent } from "./child-side.ts";

/** What a prober child is told (JSON in argv[2]). */
export interface ProberConfig {
  /** Target URL (loopback). */
  url: string;
  /** Probes in the measured loop. */
  total: number;
  /** Probes before it, not measured (JIT warm-up). */
  warmup: number;
  /** Probes in flight. */
  concurrency: number;
  /** Wall-time cap of each loop; no probe starts past it. */
  loopCapMs: number;
  /** Lifetime cap of the process. */
  capMs: number;
  /** Write a CPU profile of the measured loop here. */
  profilePath?: string;
}

/** What a prober reports after the measured loop. */
export interface ProberResult {
  /** Probes finished. */
  completed: number;
  /** Probes that succeeded. */
  ok: number;
  /** Wall time of the loop. */
  wallMs: number;
  /** CPU-seconds of the loop as the process itself counts it (process.cpuUsage), a cross-check. */
  selfCpuS: number;
}

async function measured(cfg: ProberConfig, task: () => Promise<boolean>): Promise<ProberResult> {
  const profile = cfg.profilePath ? await startProfile(cfg.profilePath) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const counts = await runBounded({ total: cfg.total, concurrency: cfg.concurrency, deadline: t0 + cfg.loopCapMs, task });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await profile?.stop();
  return { ...counts, wallMs, selfCpuS: (cpu.user + cpu.system) / 1e6 };
}

/** What a prober variant builds for a URL: the probe function, and a note on how it was built. */
export interface ProberSetup {
  /** One probe; resolves true on success. */
  task: () => Promise<boolean>;
  /** Shown in the results (e.g. which probe registry was used). */
  info?: string;
}

/** Runs a prober child around `setup`, which builds the probe function for a URL. */
export function proberMain(setup: (url: string) => Promise<ProberSetup>): void {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as ProberConfig;
  boundLifetime(cfg.capMs);
  const run = async () => {
    const { task, info } = await setup(cfg.url);
    const warm = await runBounded({ total: cfg.warmup, concurrency: cfg.concurrency, deadline: performance.now() + cfg.loopCapMs, task });
    const go = fromParent("go");
    toParent({ type: "ready", warmupOk: warm.ok, info: info ?? "" });
    await go;
    const result = await measured(cfg, task);
    toParent({ type: "done", ...result });
  };
  run().catch(fail);
}
