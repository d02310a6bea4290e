/**
 * `upbeat notify test <channel…> | --all`: loads the configuration as `serve` does (native files
 * and Lovebeat's `[alerts.*]`), sends a test message straight through each named channel and
 * prints what happened. Exit 0 when every message was delivered, 1 when one failed, 2 for bad
 * input (configuration problems, an unknown channel, nothing named).
 */
import { resolveAlerting, lovebeatChannels } from "../alerting/config.ts";
import type { Channel } from "../alerting/delivery.ts";
import { sendTestNotification, TEST_TIMEOUT_MS, type TestOutcome } from "../alerting/test-notification.ts";
import { loadFiles } from "../config/load.ts";
import { formatProblem, hasErrors } from "../config/problems.ts";
import { loadLovebeatConfig } from "../heartbeats/lovebeat/config.ts";
import { errorMessage } from "../lib/errors.ts";
import { parseDurationMs } from "../lib/duration.ts";
import { NOTIFIERS } from "../notifiers/registry.ts";
import { makeStyle } from "./render.ts";
import { isLovebeatFile, lovebeatFiles } from "./serve.ts";

/** Options of `upbeat notify test`. */
export interface NotifyTestOptions {
  /** Configuration files (`.toml`/`.cfg` ones are Lovebeat's). */
  files: string[];
  /** Lovebeat config file. */
  lovebeatConfig?: string;
  /** Lovebeat config directory. */
  lovebeatConfigDir?: string;
  /** Test every channel. */
  all?: boolean;
  /** Time allowed per message (`10s`). */
  timeout?: string;
  /** Print JSON. */
  json?: boolean;
}

/** What `notify test` gets from the process. */
export interface NotifyIo {
  /** Environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Standard output. */
  out: (s: string) => void;
  /** Standard error. */
  err: (s: string) => void;
  /** Colour output. */
  color?: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** The channels of the configuration, as `serve` would have them; undefined (after printing the problems) when it has errors. */
export async function loadChannels(o: NotifyTestOptions, io: NotifyIo): Promise<ReadonlyMap<string, Channel> | undefined> {
  const { config, problems } = await loadFiles(o.files.filter((f) => !isLovebeatFile(f)), { env: io.env });
  const lbFiles = await lovebeatFiles(o).catch((e: unknown) => {
    problems.push({ severity: "error", file: o.lovebeatConfig ?? o.lovebeatConfigDir ?? "", path: "", message: `cannot read: ${errorMessage(e)}` });
    return [];
  });
  const lovebeat = loadLovebeatConfig(lbFiles);
  problems.push(...lovebeat.problems);
  const resolved = resolveAlerting(config, NOTIFIERS, lovebeatChannels(lovebeat.config, lbFiles[0]?.file ?? "lovebeat.cfg"));
  problems.push(...resolved.problems);
  for (const p of problems) io.err(formatProblem(p));
  return hasErrors(problems) ? undefined : resolved.alerting.channels;
}

/** One line per outcome: `✔ ops-slack (slack) delivered in 120 ms`, or `✘ … failed: HTTP 404: …`. */
function outcomeLine(r: TestOutcome, color: boolean): string {
  const s = makeStyle(color);
  if (r.delivered) return `${s.ok("✔")} ${s.bold(r.channel)} (${r.type}) delivered in ${r.durationMs} ms${r.detail ? s.dim(` · ${r.detail}`) : ""}\n`;
  const hint = r.retryable ? " (would be retried)" : " (final: would not be retried)";
  return `${s.bad("✘")} ${s.bold(r.channel)} (${r.type}) failed after ${r.durationMs} ms: ${r.error ?? "unknown error"}${s.dim(hint)}\n`;
}

/** Runs the command and returns its exit code. */
export async function notifyTestCommand(names: string[], o: NotifyTestOptions, io: NotifyIo): Promise<number> {
  const timeoutMs = o.timeout === undefined ? TEST_TIMEOUT_MS : parseDurationMs(o.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    io.err(`upbeat notify test: --timeout "${o.timeout}" is not a duration (e.g. 10s)`);
    return 2;
  }
  if (!o.all && names.length === 0) {
    io.err("upbeat notify test: name a channel, or use --all");
    return 2;
  }
  const channels = await loadChannels(o, io);
  if (!channels) return 2;
  const known = [...channels.keys()].sort();
  const knownText = known.length ? `known channels: ${known.join(", ")}` : "no channels are configured";
  const unknown = names.filter((n) => !channels.has(n));
  if (unknown.length) {
    io.err(`upbeat notify test: no channel named ${unknown.map((n) => `"${n}"`).join(", ")}; ${knownText}`);
    return 2;
  }
  const chosen = o.all ? known : [...new Set(names)];
  if (chosen.length === 0) {
    io.err(`upbeat notify test: ${knownText}`);
    return 2;
  }
  // Channels are independent: test them at once, report them in order.
  const outcomes = await Promise.all(chosen.map((n) => sendTestNotification(channels.get(n) as Channel, { timeoutMs, ...(io.signal ? { signal: io.signal } : {}) })));
  if (o.json) io.out(`${JSON.stringify(outcomes, null, 2)}\n`);
  else for (const r of outcomes) io.out(outcomeLine(r, io.color ?? false));
  return outcomes.every((r) => r.delivered) ? 0 : 1;
}
