/** Lovebeat's statsd protocol (compat §2.4): `<service>.<beat|autobeat|timeout>:<int>|<g|c|ms>[|@rate]` lines. */
import { SERVICE_NAME_PATTERN, isLovebeatServiceName } from "./model.ts";

/** What a statsd line asks for. */
export type LovebeatAction = "beat" | "timeout" | "autobeat";

/** One accepted statsd line. */
export interface LovebeatCommand {
  /** Service name (`[a-z0-9._-]+`). */
  service: string;
  /** `beat` registers a beat, `timeout` sets the timeout, `autobeat` sets the auto timeout and beats. */
  action: LovebeatAction;
  /** The value: > 0 is seconds turned into ms (×1000); 0 and negatives (`-1` clear, `-2` auto) as sent. Only `timeout` uses it. */
  valueMs: number;
}

/** One line that was not accepted, and why. */
export interface StatsdRejection {
  /** The line as received (without its line break). */
  line: string;
  /** Why it was rejected, in words. */
  reason: string;
}

/** The outcome of parsing one datagram or one chunk of TCP lines. */
export interface StatsdPacket {
  /** Accepted commands, in the order of their lines. */
  commands: LovebeatCommand[];
  /** Rejected lines, in order; empty lines are neither accepted nor rejected. */
  rejected: StatsdRejection[];
}

// Go's regexp (lineparser.go:17) with leftmost-first greedy captures, which JavaScript shares:
// `a.b.beat:1|c` gives service `a.b`.
const LINE_RE = new RegExp(`^(${SERVICE_NAME_PATTERN})\\.(beat|autobeat|timeout):(-?[0-9]+)\\|(g|c|ms)(?:\\|@[0-9.]+)?$`);
const SHAPE = "expected <service>.<beat|autobeat|timeout>:<integer>|<g|c|ms>[|@<rate>]";

/** Parses one line (without `\n`; a trailing `\r` is allowed, compat §0). */
export function parseStatsdLine(line: string): { ok: true; command: LovebeatCommand } | { ok: false; reason: string } {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (text.includes("\uFFFD")) return { ok: false, reason: "line is not valid UTF-8" };
  const m = LINE_RE.exec(text);
  if (!m) return { ok: false, reason: diagnose(text) };
  const [, service, action, digits] = m as unknown as [string, string, LovebeatAction, string];
  const value = Number(digits);
  if (!Number.isSafeInteger(value) || (value > 0 && !Number.isSafeInteger(value * 1000))) {
    return { ok: false, reason: `value ${digits} is out of range` };
  }
  // `-0` is zero; Go's ParseInt has no negative zero.
  const valueMs = value > 0 ? value * 1000 : value === 0 ? 0 : value;
  return { ok: true, command: { service, action, valueMs } };
}

/** Parses a datagram or chunk: `\n`-separated lines, empty lines ignored, every other line accepted or rejected. */
export function parseStatsdPacket(text: string): StatsdPacket {
  const commands: LovebeatCommand[] = [];
  const rejected: StatsdRejection[] = [];
  for (const raw of text.split("\n")) {
    if (raw === "" || raw === "\r") continue;
    const res = parseStatsdLine(raw);
    if (res.ok) commands.push(res.command);
    else rejected.push({ line: raw.endsWith("\r") ? raw.slice(0, -1) : raw, reason: res.reason });
  }
  return { commands, rejected };
}

/** Says which part of a non-matching line is wrong. */
function diagnose(text: string): string {
  const colon = text.indexOf(":");
  if (colon < 0) return `no ":" (${SHAPE})`;
  const key = text.slice(0, colon);
  const dot = key.lastIndexOf(".");
  const action = dot < 0 ? "" : key.slice(dot + 1);
  if (dot < 0 || !["beat", "autobeat", "timeout"].includes(action)) {
    return `unknown action "${action || key}" (expected beat, autobeat or timeout)`;
  }
  const service = key.slice(0, dot);
  if (!isLovebeatServiceName(service)) return `service name "${service}" must match ${SERVICE_NAME_PATTERN} (lower case)`;
  const [value = "", type, rate, ...extra] = text.slice(colon + 1).split("|");
  if (!/^-?[0-9]+$/.test(value)) return `value "${value}" is not an integer`;
  if (type === undefined || !["g", "c", "ms"].includes(type)) return `metric type "${type ?? ""}" must be g, c or ms`;
  if ((rate !== undefined && !/^@[0-9.]+$/.test(rate)) || extra.length > 0) return `bad sample rate (${SHAPE})`;
  return SHAPE;
}
