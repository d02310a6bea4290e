/**
 * `upbeat run <check> -- <command…>`: runs a command and reports it to Upbeat's Healthchecks-style
 * ping API (start, then the exit code with the last 10 KB of output), like Healthchecks' runitor.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { parseDurationMs } from "../lib/duration.ts";
import { errorCode, errorMessage } from "../lib/errors.ts";

/** Where pings go when neither `--url` nor `UPBEAT_URL` says. */
export const DEFAULT_URL = "http://127.0.0.1:8080";
/** How much of the output (stdout and stderr together, in order) is sent: the last 10 KB. */
export const TAIL_BYTES = 10_240;
/** After the command exits, how long processes it left behind may keep its output open. */
const DRAIN_GRACE_MS = 1000;
/** First pause between ping attempts; doubled for each further one. */
const BACKOFF_MS = 250;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[A-Za-z0-9_-]+$/;

/** Options of `upbeat run`. */
export interface RunOptions {
  /** Upbeat's base URL (else `UPBEAT_URL`, else {@link DEFAULT_URL}). */
  url?: string;
  /** Project ping key, for a slug (else `UPBEAT_PING_KEY`). */
  pingKey?: string;
  /** Create the check on its first ping (slugs only). */
  create?: boolean;
  /** Send the start ping (`--no-start` sets false). */
  start?: boolean;
  /** Timeout per ping request, as a duration (`10s`). */
  timeout?: string;
  /** Extra attempts per ping on network errors and 5xx. */
  retries?: number;
}

/** What the command needs from the process (main owns the environment, the streams and signals). */
export interface RunIo {
  /** Environment: `UPBEAT_URL`, `UPBEAT_PING_KEY`; also passed to the command. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where the command's stdout goes. */
  stdout: Writable;
  /** Where the command's stderr goes. */
  stderr: Writable;
  /** Writes one line of upbeat's own messages to stderr. */
  err: (line: string) => void;
  /** Calls `forward` for each SIGINT/SIGTERM received; returns the function that stops it. */
  onSignal: (forward: (signal: NodeJS.Signals) => void) => () => void;
}

/** A validated invocation: what to run and where to report it. */
export interface RunPlan {
  /** The command and its arguments, run without a shell. */
  argv: [string, ...string[]];
  /** Base URL without credentials or query. */
  base: URL;
  /** What follows `/ping/`: the UUID, or `<ping-key>/<slug>` (URL-encoded). */
  target: string;
  /** The ping key, to mask it in messages. */
  pingKey?: string;
  /** Add `?create=1`. */
  create: boolean;
  /** Send the start ping. */
  start: boolean;
  /** Timeout per ping request. */
  timeoutMs: number;
  /** Extra attempts per ping. */
  retries: number;
  /** Request headers (credentials from the URL become Basic authorization). */
  headers: Record<string, string>;
}

/** How the command ended, as reported and as returned. */
interface Outcome {
  /** Ping suffix: the exit code, or `fail` when it could not start or was killed. */
  suffix: number | "fail";
  /** Request body. */
  body: Uint8Array;
  /** Exit code of `upbeat run`. */
  exitCode: number;
}

/**
 * Runs the command; returns its exit code (2 on bad usage, 127/126 when it cannot start, 128+n when
 * killed by signal n). `operands` are the arguments commander collected after `<check>`;
 * `afterSeparator` is everything after `--` on the command line (undefined when there is no `--`).
 */
export async function runCommand(check: string, operands: string[], afterSeparator: string[] | undefined, o: RunOptions, io: RunIo): Promise<number> {
  const plan = planRun(check, operands, afterSeparator, o, io.env);
  if (typeof plan === "string") {
    io.err(`upbeat run: ${plan}`);
    io.err("usage: upbeat run [options] <check> -- <command> [args…] (see upbeat run --help)");
    return 2;
  }
  const rid = plan.start ? randomUUID() : undefined;
  if (rid) await report(plan, "start", rid, new Uint8Array(), io);
  const outcome = await execute(plan.argv, io);
  await report(plan, outcome.suffix, rid, outcome.body, io);
  return outcome.exitCode;
}

/** Validates arguments and options; returns the plan or what is wrong. */
export function planRun(check: string, operands: string[], afterSeparator: string[] | undefined, o: RunOptions, env: RunIo["env"]): RunPlan | string {
  if (afterSeparator === undefined) return "put -- between the check and the command";
  if (afterSeparator.length > operands.length) return "the check goes before --";
  if (afterSeparator.length < operands.length) return `unexpected argument before --: ${operands[0]}`;
  const [file, ...args] = afterSeparator;
  if (file === undefined || file === "") return "no command after --";
  const timeoutMs = parseDurationMs(o.timeout ?? "10s");
  if (!timeoutMs) return `--timeout: expected a duration such as 10s or 500ms, got "${o.timeout}"`;
  const base = parseBase(o.url ?? env.UPBEAT_URL ?? DEFAULT_URL);
  if (typeof base === "string") return base;
  const pingKey = o.pingKey || env.UPBEAT_PING_KEY || undefined;
  let target: string;
  if (UUID.test(check)) {
    if (o.create) return "--create works with a slug and a ping key, not with a UUID";
    target = check;
  } else {
    if (!SLUG.test(check)) return `"${check}" is neither a UUID nor a slug (letters, digits, - and _)`;
    if (!pingKey) return `a slug ("${check}") needs a ping key: --ping-key or UPBEAT_PING_KEY`;
    target = `${encodeURIComponent(pingKey)}/${check}`;
  }
  return { argv: [file, ...args], ...base, target, pingKey, create: Boolean(o.create), start: o.start !== false, timeoutMs, retries: o.retries ?? 2 };
}

/** Checks the base URL; credentials in it move to an Authorization header (fetch refuses them in URLs). */
function parseBase(text: string): { base: URL; headers: Record<string, string> } | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--url: not a URL: "${text}"`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `--url: expected http:// or https://, got "${url.protocol}"`;
  if (url.search || url.hash) return "--url: give the base URL only, without ? or #";
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  return { base: url, headers };
}

/** The ping URL for a suffix (`start`, `fail`, an exit code), with `create=1` and the run id. */
export function pingUrl(plan: Pick<RunPlan, "base" | "target" | "create">, suffix: number | "start" | "fail", rid?: string): URL {
  const url = new URL(plan.base.href);
  url.pathname = `${plan.base.pathname.replace(/\/+$/, "")}/ping/${plan.target}/${suffix}`;
  const query = new URLSearchParams();
  if (plan.create) query.set("create", "1");
  if (rid) query.set("rid", rid);
  url.search = query.toString();
  return url;
}

/** Replaces the ping key (raw and URL-encoded) in a text with a short, masked form. */
export function maskKey(text: string, key: string | undefined): string {
  if (!key) return text;
  const masked = key.length >= 12 ? `${key.slice(0, 3)}…` : "…";
  return text.replaceAll(encodeURIComponent(key), masked).replaceAll(key, masked);
}

/** Sends one ping; a ping that cannot be delivered is a warning, never an error. */
async function report(plan: RunPlan, suffix: number | "start" | "fail", rid: string | undefined, body: Uint8Array, io: RunIo): Promise<void> {
  const url = pingUrl(plan, suffix, rid);
  const failure = await deliver(url, body, plan);
  if (failure) io.err(maskKey(`upbeat run: could not report to ${url.href}: ${failure}`, plan.pingKey));
}

/** POSTs with retries on network errors, timeouts and 5xx; returns why it failed, or undefined. */
async function deliver(url: URL, body: Uint8Array, plan: RunPlan): Promise<string | undefined> {
  let reason = "";
  const attempts = plan.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await delay(BACKOFF_MS * 2 ** (attempt - 2));
    const r = await attemptOnce(url, body, plan);
    if (r.ok) return undefined;
    reason = r.reason;
    if (!r.retry) return reason;
  }
  return attempts > 1 ? `${reason} (${attempts} attempts)` : reason;
}

/** One request: ok on 2xx; 5xx, timeouts and network errors may be retried, anything else not. */
async function attemptOnce(url: URL, body: Uint8Array, plan: RunPlan): Promise<{ ok: true } | { ok: false; retry: boolean; reason: string }> {
  try {
    const res = await fetch(url, { method: "POST", headers: plan.headers, body, signal: AbortSignal.timeout(plan.timeoutMs) });
    const text = await res.text();
    if (res.ok) return { ok: true };
    const said = text.trim().split("\n")[0]?.slice(0, 200);
    return { ok: false, retry: res.status >= 500, reason: `HTTP ${res.status}${said ? ` (${said})` : ""}` };
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    if (name === "TimeoutError" || name === "AbortError") return { ok: false, retry: true, reason: `no answer within ${plan.timeoutMs} ms` };
    const cause = e instanceof Error && e.cause !== undefined ? e.cause : e;
    return { ok: false, retry: true, reason: errorMessage(cause) };
  }
}

/** Runs the command without a shell, passing its output through and keeping the tail. */
async function execute(argv: [string, ...string[]], io: RunIo): Promise<Outcome> {
  const [file, ...args] = argv;
  const child = spawn(file, args, { stdio: ["inherit", "pipe", "pipe"], env: { ...io.env } });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("exit", (code, signal) => resolve([code, signal])));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const startError = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", resolve);
  });
  child.on("error", () => undefined); // later errors (a failed kill) must not crash upbeat
  if (startError) return cannotStart(file, startError, io);
  const stopSignals = io.onSignal((signal) => child.kill(signal));
  const tail = new Tail(TAIL_BYTES);
  forward(child.stdout, io.stdout, tail);
  forward(child.stderr, io.stderr, tail);
  const [code, signal] = await exited;
  stopSignals();
  // Output still in the pipes is wanted; a daemon the command left holding them is not waited for.
  await Promise.race([closed, delay(DRAIN_GRACE_MS, undefined, { ref: false })]);
  child.stdout.destroy();
  child.stderr.destroy();
  if (signal) {
    const exitCode = 128 + (constants.signals[signal] ?? 0);
    return { suffix: "fail", body: Buffer.concat([Buffer.from(`killed by signal ${signal}\n`), tail.bytes()]), exitCode };
  }
  const exitCode = code ?? 1;
  return { suffix: exitCode, body: tail.bytes(), exitCode };
}

/** The outcome when the command cannot be started: 127 when not found, 126 otherwise (as shells do). */
function cannotStart(file: string, e: Error, io: RunIo): Outcome {
  const code = errorCode(e);
  const notFound = code === "ENOENT" || code === "ENOTDIR";
  const message = `cannot start ${file}: ${notFound ? "command not found" : "not executable"} (${errorMessage(e)})`;
  io.err(`upbeat run: ${message}`);
  return { suffix: "fail", body: Buffer.from(message), exitCode: notFound ? 127 : 126 };
}

/** Copies a child's stream to ours (respecting back-pressure) and into the tail; a closed terminal only stops the copy. */
function forward(from: Readable, to: Writable, tail: Tail): void {
  let broken = false;
  to.on("error", () => {
    broken = true;
    from.resume();
  });
  from.on("data", (chunk: Buffer) => {
    tail.push(chunk);
    if (broken || to.write(chunk)) return;
    from.pause();
    to.once("drain", () => from.resume());
  });
}

/** Keeps the last `limitBytes` bytes of everything pushed. */
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;

  /** Creates an empty tail keeping at most `limitBytes`. */
  constructor(private readonly limitBytes: number) {}

  /** Appends a chunk, dropping whole chunks that fall out of the window. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0]?.length ?? 0) >= this.limitBytes) this.size -= this.chunks.shift()?.length ?? 0;
  }

  /** The last `limitBytes` bytes, without a UTF-8 character cut in half at the start. */
  bytes(): Buffer {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.limitBytes);
    // Skip at most three continuation bytes (10xxxxxx) of a character whose first byte fell out.
    for (let i = 0; start > 0 && i < 3 && ((all[start] ?? 0) & 0xc0) === 0x80; i++) start++;
    return all.subarray(start);
  }
}
