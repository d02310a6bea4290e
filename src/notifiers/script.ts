/**
 * Runs an executable for each notification, without a shell: the event goes in environment
 * variables (`UPBEAT_*`, and Lovebeat's `LOVEBEAT_*` for Lovebeat alarms, compat §2.9), on top of
 * the inherited environment. Exit 0 is delivered; anything else failed. The script runs in its
 * own process group so that a timeout kills it together with everything it started.
 */
import { spawn } from "node:child_process";
import { type Static, Type } from "@sinclair/typebox";
import type { DeliveryResult, Notification, Notifier } from "./types.ts";

/** Settings of a script channel. */
export const ScriptSettings = Type.Object(
  {
    path: Type.String({ minLength: 1, description: "Executable to run (absolute, or relative to `cwd`). It is run directly, never through a shell." }),
    args: Type.Optional(Type.Array(Type.String(), { default: [], description: "Arguments, passed as they are (no shell expansion)." })),
    cwd: Type.Optional(Type.String({ minLength: 1, description: "Working directory. Default: Upbeat's own." })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 10_000, description: "After this many ms the script and its children are killed (SIGKILL) and the delivery fails." })),
    retryOnFailure: Type.Optional(
      Type.Boolean({ default: false, description: "Retry the delivery when the script exits non-zero or times out. A script that cannot be started is never retried." }),
    ),
  },
  { additionalProperties: false, description: "Runs a program for every notification, with the event in environment variables (`UPBEAT_*`, `UPBEAT_JSON`)." },
);

/** Settings of a script channel (static type). */
export type ScriptSettingsInput = Static<typeof ScriptSettings>;

/** How much of stdout and of stderr is kept (the end of each). */
export const OUTPUT_TAIL_BYTES = 4096;

/** Environment values cannot hold NUL bytes. */
const clean = (v: string): string => v.replace(/\0/g, "");

/**
 * The variables describing the event. Per-monitor values are those of the first monitor
 * (`UPBEAT_MONITOR_COUNT` says how many there are; `UPBEAT_JSON` has them all). Every variable is
 * always set (empty when unknown), so that none leaks in from the inherited environment.
 */
export function scriptEnv(n: Notification): Record<string, string> {
  const m = n.monitors[0];
  const compat = n.compat?.tool === "lovebeat" ? n.compat : undefined;
  const incident = m?.incident ?? compat?.incident;
  const env: Record<string, string> = {
    UPBEAT_KIND: n.kind,
    UPBEAT_SEVERITY: n.severity,
    UPBEAT_TITLE: n.title,
    UPBEAT_TEXT: n.text,
    UPBEAT_MONITOR_ID: m?.id ?? "",
    UPBEAT_MONITOR_NAME: m?.name ?? "",
    UPBEAT_MONITOR_COUNT: String(n.monitors.length),
    UPBEAT_STATUS: m?.status ?? "",
    UPBEAT_CAUSE: m?.cause ?? "",
    UPBEAT_INCIDENT: incident === undefined ? "" : String(incident),
    UPBEAT_AT: new Date(n.at).toISOString(),
    UPBEAT_DEDUP_KEY: n.dedupKey,
    UPBEAT_IDEMPOTENCY_KEY: n.idempotencyKey,
    UPBEAT_URL: n.url ?? "",
    UPBEAT_JSON: JSON.stringify(n),
  };
  if (compat) {
    env.LOVEBEAT_ALARM = compat.alarm;
    env.LOVEBEAT_STATE = compat.current.toUpperCase();
    env.LOVEBEAT_PREVIOUS_STATE = compat.previous.toUpperCase();
    env.LOVEBEAT_INCIDENT = String(compat.incident);
  }
  for (const k of Object.keys(env)) env[k] = clean(env[k] ?? "");
  return env;
}

/** Keeps the last `OUTPUT_TAIL_BYTES` of a stream. */
class Tail {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > OUTPUT_TAIL_BYTES) this.buf = this.buf.subarray(this.buf.length - OUTPUT_TAIL_BYTES);
  }
  text(): string {
    return this.buf.toString("utf8").trimEnd();
  }
}

/** How a run ended. */
type RunEnd =
  | { started: false; error: NodeJS.ErrnoException }
  | { started: true; code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; aborted: boolean; stdout: string; stderr: string };

/** Runs the program in its own process group; on timeout or abort the whole group gets SIGKILL. */
function run(s: ScriptSettingsInput, env: NodeJS.ProcessEnv, abort: AbortSignal): Promise<RunEnd> {
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let aborted = false;
    const out = new Tail();
    const err = new Tail();
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(s.path, s.args ?? [], { shell: false, detached: true, env, ...(s.cwd ? { cwd: s.cwd } : {}), stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      resolve({ started: false, error: e as NodeJS.ErrnoException });
      return;
    }
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => ((timedOut = true), killGroup()), s.timeoutMs ?? 10_000);
    const onAbort = (): void => ((aborted = true), killGroup());
    abort.addEventListener("abort", onAbort, { once: true });
    let grace: NodeJS.Timeout | undefined;
    const finish = (r: RunEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      abort.removeEventListener("abort", onAbort);
      resolve(r);
    };
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    // A background child that inherited the pipes would keep them open: stop waiting soon after exit.
    child.on("exit", () => {
      grace = setTimeout(() => (child.stdout?.destroy(), child.stderr?.destroy()), 500);
    });
    child.on("error", (e: NodeJS.ErrnoException) => finish({ started: false, error: e }));
    child.on("close", (code, signal) => finish({ started: true, code, signal, timedOut, aborted, stdout: out.text(), stderr: err.text() }));
  });
}

/** `stderr: …` and `stdout: …` for the result, the parts that are not empty. */
function output(r: { stdout: string; stderr: string }): string {
  const parts = [r.stderr && `stderr: ${r.stderr}`, r.stdout && `stdout: ${r.stdout}`].filter((p) => p !== "");
  return parts.length > 0 ? `; ${parts.join("; ")}` : "";
}

/** Turns a run's end into a delivery result. */
function toResult(s: ScriptSettingsInput, r: RunEnd): DeliveryResult {
  if (!r.started) {
    const why = r.error.code === "ENOENT" ? "not found" : r.error.code === "EACCES" ? "not executable (permission denied)" : r.error.message;
    return { ok: false, retryable: false, error: `cannot run script ${s.path}: ${why}${r.error.code ? ` (${r.error.code})` : ""}` };
  }
  const retryable = s.retryOnFailure ?? false;
  if (r.aborted) return { ok: false, retryable: true, error: `script ${s.path} was killed: delivery aborted${output(r)}` };
  if (r.timedOut) return { ok: false, retryable, error: `script ${s.path} timed out after ${s.timeoutMs ?? 10_000} ms and was killed${output(r)}` };
  if (r.code === 0) return { ok: true, detail: `script ${s.path} exited with code 0${output(r)}` };
  const how = r.code === null ? `was killed by ${r.signal ?? "a signal"}` : `exited with code ${r.code}`;
  return { ok: false, retryable, error: `script ${s.path} ${how}${output(r)}` };
}

/** The script channel. */
export const scriptNotifier: Notifier<ScriptSettingsInput> = {
  schema: ScriptSettings,
  async send(s, n, ctx) {
    if (ctx.signal.aborted) return { ok: false, retryable: true, error: "delivery aborted before the script started" };
    // The script inherits Upbeat's environment (PATH, HOME, credentials it needs), as Lovebeat's did.
    // eslint-disable-next-line no-restricted-properties
    const env = { ...process.env, ...scriptEnv(n) };
    return toResult(s, await run(s, env, ctx.signal));
  },
};
