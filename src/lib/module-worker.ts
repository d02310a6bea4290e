/**
 * A worker thread running a module next to the caller: its `.js` file when built. From source
 * (tests, `tsx`) the worker first registers tsx's loader, as `--import tsx` does not reach a
 * worker's entry module on Node 20.
 */
import { type ResourceLimits, Worker } from "node:worker_threads";

/** Starts `<name>.js` (built) or `<name>.ts` (source) from the directory of `callerUrl` in a worker, with V8 heap limits if given. */
export function spawnModuleWorker(callerUrl: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData, resourceLimits });
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData, resourceLimits });
}
