/**
 * In-process CPU profiling of a measured window (node:inspector; same JSON as `node --cpu-prof`).
 * With `threads`, the worker threads are profiled too (the NodeWorker domain: each thread gets
 * its own inspector session), each written next to the main thread's file (`threadProfilePaths`).
 */
import { readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Session } from "node:inspector/promises";

/** A running profile; `stop` writes the .cpuprofile files. */
export interface RunningProfile {
  /** Stops sampling and writes the profiles: the main thread's at the path given at start, then one per worker thread. */
  stop(): Promise<string[]>;
}

/** Options of `startProfile`. */
export interface ProfileOptions {
  /** Sampling interval, µs (default 1000). */
  intervalUs?: number;
  /** Profile the worker threads as well (those running now and those started before `stop`). */
  threads?: boolean;
}

const THREAD_SUFFIX = ".thread-";
/** How long a thread may take to answer (ms); one that does not is left out, not waited for. */
const THREAD_ANSWER_MS = 5000;

function withinTime<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${String(ms)} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The profiles of worker threads written next to a main-thread profile at `path`. */
export function threadProfilePaths(path: string): string[] {
  const stem = basename(path).replace(/\.cpuprofile$/, "");
  return readdirSync(dirname(path))
    .filter((f) => f.startsWith(`${stem}${THREAD_SUFFIX}`) && f.endsWith(".cpuprofile"))
    .sort()
    .map((f) => join(dirname(path), f));
}

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

/** One worker thread's inspector session, reached through the main thread's. */
class ThreadSession {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly main: Session,
    readonly sessionId: string,
    readonly workerId: string,
  ) {}

  post(method: string, params: object = {}): Promise<unknown> {
    const id = this.next++;
    const reply = new Promise<unknown>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    void this.main.post("NodeWorker.sendMessageToWorker", { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: unknown) => this.fail(id, e));
    return reply;
  }

  received(message: string): void {
    const r = JSON.parse(message) as Reply;
    const w = r.id === undefined ? undefined : this.waiting.get(r.id);
    if (!w || r.id === undefined) return;
    this.waiting.delete(r.id);
    if (r.error) w.reject(new Error(r.error.message));
    else w.resolve(r.result);
  }

  private fail(id: number, e: unknown): void {
    this.waiting.get(id)?.reject(e instanceof Error ? e : new Error(String(e)));
    this.waiting.delete(id);
  }
}

async function startSampling(post: (method: string, params?: object) => Promise<unknown>, intervalUs: number): Promise<void> {
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: intervalUs });
  await post("Profiler.start");
}

/** Starts sampling this process's main thread (and, with `threads`, its worker threads). */
export async function startProfile(path: string, o: ProfileOptions = {}): Promise<RunningProfile> {
  const intervalUs = o.intervalUs ?? 1000;
  const session = new Session();
  session.connect();
  const threads = new Map<string, { t: ThreadSession; started: Promise<void> }>();
  if (o.threads) {
    session.on("NodeWorker.attachedToWorker", (m: { params: { sessionId: string; workerInfo: { workerId: string; url: string } } }) => {
      // Node's own threads (the module loader's, where tsx's hooks run) sit blocked and never answer.
      if (m.params.workerInfo.url.startsWith("node:internal/")) return;
      const t = new ThreadSession(session, m.params.sessionId, m.params.workerInfo.workerId);
      const started = startSampling((method, params) => t.post(method, params), intervalUs);
      // Awaited (within a time) at the stop; a thread that went away meanwhile is no failure.
      started.catch(() => undefined);
      threads.set(t.sessionId, { t, started });
    });
    session.on("NodeWorker.receivedMessageFromWorker", (m: { params: { sessionId: string; message: string } }) => threads.get(m.params.sessionId)?.t.received(m.params.message));
    session.on("NodeWorker.detachedFromWorker", (m: { params: { sessionId: string } }) => threads.delete(m.params.sessionId));
    await session.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  }
  await startSampling((method, params) => session.post(method, params), intervalUs);
  return {
    stop: async () => {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(path, JSON.stringify(profile));
      const written = [path];
      for (const { t, started } of threads.values()) {
        try {
          await withinTime(started, THREAD_ANSWER_MS, `thread ${t.workerId}`);
          const r = (await withinTime(t.post("Profiler.stop"), THREAD_ANSWER_MS, `thread ${t.workerId}`)) as { profile: unknown };
          const out = path.replace(/\.cpuprofile$/, `${THREAD_SUFFIX}${t.workerId}.cpuprofile`);
          writeFileSync(out, JSON.stringify(r.profile));
          written.push(out);
        } catch {
          // A thread that ended before the stop, or never answered, has no profile to give.
        }
      }
      if (o.threads) await session.post("NodeWorker.disable");
      session.disconnect();
      return written;
    },
  };
}
