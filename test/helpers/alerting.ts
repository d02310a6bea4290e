/** Alerting in tests: channels from config text through the real notifiers, incident effects committed to a real store, logs captured. */
import pino, { type Logger } from "pino";
import { resolveAlerting } from "../../src/alerting/config.ts";
import type { Channel } from "../../src/alerting/delivery.ts";
import { NOTIFIERS } from "../../src/notifiers/registry.ts";
import type { OutboxRecord, Store } from "../../src/store/types.ts";
import { configOf } from "./engine.ts";
import { startHttpServer, type TestServer } from "./http-server.ts";

/** The channels of a config text (YAML with a `channels:` list), through the real registry; fails the test on any problem. */
export function channelsOf(yaml: string): Map<string, Channel> {
  const { alerting, problems } = resolveAlerting(configOf(yaml), NOTIFIERS);
  if (problems.length) throw new Error(`bad test channels: ${JSON.stringify(problems)}`);
  return alerting.channels;
}

/** A logger whose JSON lines are kept in `lines`. */
export function capturedLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: pino({ level: "debug" }, { write: (s: string) => void lines.push(s) }), lines };
}

/** Commits an "incident opened" effect for a monitor and returns it as the engine hands it on. */
export async function openedEffect(store: Store, monitorId: string, at = Date.now()): Promise<{ id: number; record: OutboxRecord }> {
  const incident = { number: 1, openedAt: at, cause: "HTTP 503" };
  const record: OutboxRecord = { monitorId, type: "incident.opened", at, payload: { type: "incident.opened", monitorId, at, incident, monitorName: monitorId, groupPath: ["shop"] } };
  const [id] = await store.commit({ results: [], states: [], incidents: [], outbox: [record], rollups: [], activeInserts: [], activeDeletes: [], tracks: [], pings: [] });
  return { id: id as number, record };
}

/** A receiver that answers like a web framework's "not found" page, echoing the request path (and so any token in it), until `mode.fixed` is set. */
export async function echoingReceiver(): Promise<TestServer & { mode: { fixed: boolean } }> {
  const mode = { fixed: false };
  const s = await startHttpServer((req, res) => {
    if (mode.fixed) res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
    else res.writeHead(404, { "Content-Type": "text/plain" }).end(`Cannot ${req.method ?? ""} ${req.url ?? ""}`);
  });
  return { ...s, mode };
}
