/** Lovebeat's TOML configuration (compat §2.1–2.2): defaults, then each file decoded over them, every problem reported. */
import { parse, TomlError } from "smol-toml";
import type { ConfigProblem } from "../../config/problems.ts";
import type { LovebeatAlarmDef } from "./alarm-pattern.ts";
import { decodeTable, decodeTableArray, describeToml, FileProblems, isTable, matchKey, unknownKey, type TableSchema } from "./config-decode.ts";

/** One `[alerts.<id>]` table: every channel it sets is notified. */
export interface LovebeatAlertConfig {
  /** `mail`: recipients, comma-separated. */
  mail?: string;
  /** `webhook`: URL receiving the JSON alert. */
  webhook?: string;
  /** `method`: HTTP method of the webhook, `POST` (default, as documented) or `GET` (what Lovebeat really sent; compat §0). */
  method: "POST" | "GET";
  /** `slack_channel`, e.g. `#ops`, posted through `[slack] webhook_url`. */
  slackChannel?: string;
  /** `script`: executable run with `LOVEBEAT_*` variables. */
  script?: string;
}

/** One `[[notify]]` entry. */
export interface LovebeatNotifyConfig {
  /** `lovebeat`: base URL (http/https) of a peer Lovebeat that receives this server's self-heartbeats. */
  lovebeat: string;
}

/** The whole Lovebeat configuration, each key with Lovebeat's default. */
export interface LovebeatConfig {
  /** `[general]`. */
  general: {
    /** `public_url` (default `http://lovebeat.example.com/`): prefix of links in Slack alerts. Only under `[general]`. */
    publicUrl: string;
  };
  /** `[database]`. */
  database: {
    /** `filename` (default `lovebeat.db`). */
    filename: string;
    /** `interval` (default 60): seconds between saves. */
    intervalSec: number;
    /** `remote_s3_url` (default empty): `s3://bucket/key` downloaded at start, uploaded after each save. */
    remoteS3Url: string;
    /** `remote_s3_region` (default empty); S3 is used only when both url and region are set. */
    remoteS3Region: string;
  };
  /** `[udp]`: `listen` (default `:8127`), statsd over UDP. */
  udp: { listen: string };
  /** `[tcp]`: `listen` (default `:8127`), statsd over TCP. */
  tcp: { listen: string };
  /** `[http]`: `listen` (default `:8080`), API and dashboard. */
  http: { listen: string };
  /** `[mail]`. */
  mail: {
    /** `server` (default `localhost:25`): SMTP `host:port`, no auth. */
    server: string;
    /** `from` (default `lovebeat@example.com`). */
    from: string;
  };
  /** `[mailgun]`: used instead of SMTP when `domain` is set; all default empty. */
  mailgun: { domain: string; from: string; apiKey: string };
  /** `[slack]`: `webhook_url` (default `https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXX`). */
  slack: { webhookUrl: string };
  /** `[metrics]`. */
  metrics: {
    /** `server` (default empty = off): statsd UDP `host:port` for Lovebeat's own metrics. */
    server: string;
    /** `prefix` (default `lovebeat`). */
    prefix: string;
  };
  /** `[eventlog]`. */
  eventlog: {
    /** `path` (default empty = off): JSON-lines event log. */
    path: string;
    /** `mode` (default `644`): written in decimal digits, read as octal, so this is the file mode (0o644 = 420). */
    mode: number;
  };
  /** `[[notify]]` (default none). */
  notify: LovebeatNotifyConfig[];
  /** `[[alarms]]` (default none). */
  alarms: LovebeatAlarmDef[];
  /** `[alerts.<id>]` by id (default none). */
  alerts: Record<string, LovebeatAlertConfig>;
}

/** One configuration file's name and text. */
export interface LovebeatConfigFile {
  /** Name shown in problems. */
  file: string;
  /** TOML text. */
  text: string;
}

/** Lovebeat's defaults (`config.go:114-147`), a fresh object each call. */
export function lovebeatDefaults(): LovebeatConfig {
  return {
    general: { publicUrl: "http://lovebeat.example.com/" },
    database: { filename: "lovebeat.db", intervalSec: 60, remoteS3Url: "", remoteS3Region: "" },
    udp: { listen: ":8127" },
    tcp: { listen: ":8127" },
    http: { listen: ":8080" },
    mail: { server: "localhost:25", from: "lovebeat@example.com" },
    mailgun: { domain: "", from: "", apiKey: "" },
    slack: { webhookUrl: "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXX" },
    metrics: { server: "", prefix: "lovebeat" },
    eventlog: { path: "", mode: 0o644 },
    notify: [],
    alarms: [],
    alerts: {},
  };
}

/** The files of a config directory that Lovebeat reads, in its order: names not starting with `.`, sorted bytewise. */
export function configDirOrder(names: readonly string[]): string[] {
  return names.filter((n) => !n.startsWith(".")).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

const S = "string" as const;
const SECTIONS: Readonly<Record<string, TableSchema>> = {
  general: { public_url: ["publicUrl", S] },
  database: { filename: ["filename", S], interval: ["intervalSec", "int"], remote_s3_url: ["remoteS3Url", S], remote_s3_region: ["remoteS3Region", S] },
  udp: { listen: ["listen", S] },
  tcp: { listen: ["listen", S] },
  http: { listen: ["listen", S] },
  mail: { server: ["server", S], from: ["from", S] },
  mailgun: { domain: ["domain", S], from: ["from", S], api_key: ["apiKey", S] },
  slack: { webhook_url: ["webhookUrl", S] },
  metrics: { server: ["server", S], prefix: ["prefix", S] },
  eventlog: { path: ["path", S], mode: ["mode", "int"] },
};
const ALARM_SCHEMA: TableSchema = { name: ["name", S], pattern: ["pattern", S], includes: ["includes", "strings"], excludes: ["excludes", "strings"], alerts: ["alerts", "strings"] };
const ALERT_SCHEMA: TableSchema = { mail: ["mail", S], webhook: ["webhook", S], method: ["method", S], slack_channel: ["slackChannel", S], script: ["script", S] };
const NOTIFY_SCHEMA: TableSchema = { lovebeat: ["lovebeat", S] };
const TOP_KEYS = [...Object.keys(SECTIONS), "alarms", "alerts", "notify"];

/** Merge state across files. */
interface LoadState {
  config: LovebeatConfig;
  /** `[eventlog] mode` as written (decimal digits), turned into octal at the end as Lovebeat does. */
  modeDigits: number;
  /** Which file last set a key path (`database.interval`, `alarms`, …), for problems found after merging. */
  origin: Map<string, FileProblems>;
  /** Keys set in each element of the current `[[alarms]]`/`[[notify]]` array, to explain Lovebeat's element reuse. */
  arrayKeys: Map<string, string[][]>;
}

/** Decodes the files in order over the defaults; problems name the file, key path and (where found) line. */
export function loadLovebeatConfig(files: readonly LovebeatConfigFile[]): { config: LovebeatConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const state: LoadState = { config: lovebeatDefaults(), modeDigits: 644, origin: new Map(), arrayKeys: new Map() };
  for (const f of files) {
    const ctx = new FileProblems(f.file, f.text, problems);
    let doc: Record<string, unknown>;
    try {
      doc = parse(f.text);
    } catch (err) {
      const message = err instanceof Error ? (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "") : String(err);
      const p: ConfigProblem = { severity: "error", file: f.file, path: "", message: `TOML syntax error: ${message}` };
      if (err instanceof TomlError) Object.assign(p, { line: err.line, column: err.column });
      problems.push(p);
      continue;
    }
    applyDocument(state, doc, ctx);
  }
  finish(state);
  return { config: state.config, problems };
}

function applyDocument(state: LoadState, doc: Record<string, unknown>, ctx: FileProblems): void {
  for (const [rawKey, value] of Object.entries(doc)) {
    const key = matchKey(rawKey, TOP_KEYS);
    if (key === "alarms" || key === "notify") applyArray(state, key, value, ctx);
    else if (key === "alerts") applyAlerts(state, value, ctx);
    else if (key !== undefined) applySection(state, key, value, ctx);
    else if (rawKey.toLowerCase() === "public_url") {
      ctx.report("warning", [rawKey], `top-level public_url is ignored by Lovebeat and by Upbeat; put it under [general]`);
    } else if (rawKey.toLowerCase() === "views") {
      ctx.report("warning", [rawKey], `[[views]] is obsolete (renamed [[alarms]]) and ignored`);
    } else unknownKey(ctx, [rawKey], rawKey, TOP_KEYS, "the Lovebeat config");
  }
}

function applySection(state: LoadState, section: string, value: unknown, ctx: FileProblems): void {
  if (!isTable(value)) {
    ctx.report("error", [section], `expected a table ([${section}]), got ${describeToml(value)}`);
    return;
  }
  const { values } = decodeTable(value, SECTIONS[section] as TableSchema, [section], ctx, `[${section}]`);
  const target = (state.config as unknown as Record<string, Record<string, unknown>>)[section] as Record<string, unknown>;
  for (const [prop, v] of Object.entries(values)) {
    if (section === "eventlog" && prop === "mode") state.modeDigits = v as number;
    else target[prop] = v;
    state.origin.set(`${section}.${prop}`, ctx);
  }
}

function applyArray(state: LoadState, key: "alarms" | "notify", value: unknown, ctx: FileProblems): void {
  const decoded = decodeTableArray(value, key === "alarms" ? ALARM_SCHEMA : NOTIFY_SCHEMA, [key], ctx, `[[${key}]]`);
  if (!decoded) return;
  // BurntSushi/toml decodes a later array over the earlier one's elements, so keys a later element
  // leaves out would survive from the earlier file. Upbeat replaces the array and says where that differs.
  const before = state.arrayKeys.get(key) ?? [];
  decoded.forEach((el, i) => {
    const carried = (before[i] ?? []).filter((k) => !el.keys.includes(k));
    if (carried.length > 0) {
      ctx.report("warning", [key, i], `replaces ${key}[${i}] of ${state.origin.get(key)?.file ?? "an earlier file"} entirely; Lovebeat would have kept its ${carried.join(", ")}`);
    }
  });
  state.arrayKeys.set(key, decoded.map((el) => el.keys));
  state.origin.set(key, ctx);
  if (key === "notify") state.config.notify = decoded.map((el) => ({ lovebeat: "", ...el.values }) as LovebeatNotifyConfig);
  else state.config.alarms = decoded.map((el) => ({ name: "", ...el.values }) as LovebeatAlarmDef);
}

function applyAlerts(state: LoadState, value: unknown, ctx: FileProblems): void {
  if (!isTable(value)) {
    ctx.report("error", ["alerts"], `expected a table of alerts ([alerts.<id>]), got ${describeToml(value)}`);
    return;
  }
  for (const [id, raw] of Object.entries(value)) {
    if (!isTable(raw)) {
      ctx.report("error", ["alerts", id], `expected a table ([alerts.${id}]), got ${describeToml(raw)}`);
      continue;
    }
    const { values } = decodeTable(raw, ALERT_SCHEMA, ["alerts", id], ctx, `[alerts.${id}]`);
    const method = typeof values.method === "string" ? values.method.toUpperCase() : "POST";
    if (method !== "POST" && method !== "GET") ctx.report("error", ["alerts", id, "method"], `method must be "POST" or "GET", got ${JSON.stringify(values.method)}`);
    // A later file's [alerts.<id>] replaces that alert whole (Go decodes each map value afresh).
    const alert = { ...values, method: method === "GET" ? "GET" : "POST" } as LovebeatAlertConfig;
    // defineProperty: an id such as `__proto__` is data, not the object's prototype.
    Object.defineProperty(state.config.alerts, id, { value: alert, enumerable: true, writable: true, configurable: true });
    state.origin.set(`alerts.${id}`, ctx);
  }
}

/** Checks that need the merged config, and Lovebeat's octal reading of `[eventlog] mode`. */
function finish(state: LoadState): void {
  const { config, origin } = state;
  const digits = String(state.modeDigits);
  if (/^[0-7]+$/.test(digits)) config.eventlog.mode = Number.parseInt(digits, 8);
  else {
    origin.get("eventlog.mode")?.report("error", ["eventlog", "mode"], `${digits} is not a file mode: write its octal digits, e.g. 644 or 600`);
  }
  if (config.database.intervalSec <= 0) {
    origin.get("database.intervalSec")?.report("error", ["database", "interval"], `interval must be a positive number of seconds, got ${config.database.intervalSec}`);
  }
  const alarmsCtx = origin.get("alarms");
  config.alarms.forEach((a, i) => {
    if (!a.name) alarmsCtx?.report("warning", ["alarms", i], "alarm has no name: no service is ever put in it");
    if (!a.pattern && (a.includes ?? []).length === 0) alarmsCtx?.report("warning", ["alarms", i], "alarm has neither pattern nor includes: no service is ever put in it");
    for (const id of a.alerts ?? []) {
      if (!Object.hasOwn(config.alerts, id)) alarmsCtx?.report("warning", ["alarms", i, "alerts"], `alert "${id}" is not defined by any [alerts.${id}]`);
    }
  });
  const notifyCtx = origin.get("notify");
  config.notify.forEach((n, i) => {
    if (!/^https?:\/\/[^/]/i.test(n.lovebeat)) notifyCtx?.report("warning", ["notify", i, "lovebeat"], `lovebeat must be an http(s) URL of a peer Lovebeat, got ${JSON.stringify(n.lovebeat)}`);
  });
}
