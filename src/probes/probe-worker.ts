/**
 * A probe thread: keeps the definitions of the monitors the pool sends it and runs their checks
 * (`runCheck`, with Upbeat's probes), answering each run with its observation.
 */
import { setMaxListeners } from "node:events";
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../lib/errors.ts";
import type { FromProbeThread, ProbeThreadData, ToProbeThread } from "./pool.ts";
import { PROBES } from "./registry.ts";
import { runCheck, type RunnableMonitor } from "./run.ts";

const port = parentPort;
if (!port) throw new Error("probe-worker runs as a worker thread");
const { region } = workerData as ProbeThreadData;
const monitors = new Map<string, RunnableMonitor>();
const shutdown = new AbortController();
setMaxListeners(0, shutdown.signal);

const post = (m: FromProbeThread) => port.postMessage(m);

async function run(n: number, id: string): Promise<void> {
  const monitor = monitors.get(id);
  if (!monitor) return post({ n, error: `the probe thread has no definition of monitor ${id}` });
  try {
    post({ n, observation: await runCheck(monitor, { probes: PROBES, signal: shutdown.signal, region }) });
  } catch (e) {
    post({ n, error: `check of ${id} failed in its thread: ${errorMessage(e)}` });
  }
}

port.on("message", (m: ToProbeThread) => {
  if (m.type === "run") {
    if (m.monitor) monitors.set(m.id, m.monitor);
    void run(m.n, m.id);
  } else if (m.type === "forget") monitors.delete(m.id);
  else shutdown.abort(new Error("shutting down"));
});
