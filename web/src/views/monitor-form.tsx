/**
 * Create or edit a monitor. The body is a monitor entry exactly as in a configuration file (plus
 * `group`): the common fields have inputs, anything else is kept in the "more fields" JSON, so
 * nothing set in a file or by the API is lost by editing here.
 */
import { useEffect, useState } from "preact/hooks";
import { api, get, monitorPath } from "../api.ts";
import { ErrorLine, Field } from "../components/ui.tsx";
import { href, navigate } from "../router.ts";

const KINDS = ["http", "tcp", "dns", "tls", "heartbeat"] as const;
type Kind = (typeof KINDS)[number];

/** Inputs of the form (strings as typed). */
interface Inputs {
  name: string;
  id: string;
  group: string;
  type: Kind;
  url: string;
  method: string;
  status: string;
  bodyContains: string;
  query: string;
  recordType: string;
  resolver: string;
  period: string;
  grace: string;
  interval: string;
  timeout: string;
  retries: string;
  failureThreshold: string;
  labels: string;
  alerts: string;
  paused: boolean;
}

const MANAGED = ["name", "id", "group", "type", "url", "method", "query", "recordType", "resolver", "period", "grace", "interval", "timeout", "retries", "failureThreshold", "labels", "alerts", "paused"];

const EMPTY: Inputs = { name: "", id: "", group: "", type: "http", url: "", method: "GET", status: "", bodyContains: "", query: "", recordType: "A", resolver: "", period: "1d", grace: "1m", interval: "60s", timeout: "10s", retries: "0", failureThreshold: "1", labels: "", alerts: "", paused: false };

const str = (v: unknown): string => (v === undefined || v === null ? "" : Array.isArray(v) ? v.join(", ") : String(v));

/** Splits an entry into the inputs and the remaining fields. */
function fromEntry(e: Record<string, unknown>, group: string[]): { inputs: Inputs; rest: Record<string, unknown> } {
  const expect = (e.expect ?? {}) as Record<string, unknown>;
  const { status, bodyContains, ...expectRest } = typeof expect === "object" && expect ? expect : {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!MANAGED.includes(k) && k !== "expect") rest[k] = v;
  if (Object.keys(expectRest).length) rest.expect = expectRest;
  const labels = (e.labels ?? {}) as Record<string, string>;
  return {
    inputs: {
      ...EMPTY,
      name: str(e.name),
      id: str(e.id),
      group: group.join("/"),
      type: (KINDS as readonly string[]).includes(String(e.type)) ? (e.type as Kind) : "http",
      url: str(e.url),
      method: str(e.method) || "GET",
      status: str(status),
      bodyContains: str(bodyContains),
      query: str(e.query),
      recordType: str(e.recordType) || "A",
      resolver: str(e.resolver),
      period: str(e.period),
      grace: str(e.grace),
      interval: str(e.interval),
      timeout: str(e.timeout),
      retries: str(e.retries),
      failureThreshold: str(e.failureThreshold),
      labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join("\n"),
      alerts: str(e.alerts),
      paused: e.paused === true,
    },
    rest,
  };
}

const list = (s: string): string[] => s.split(",").map((x) => x.trim()).filter(Boolean);
const num = (s: string): number | string => (/^\d+$/.test(s.trim()) ? Number(s) : s.trim());

/** The body sent: the remaining fields, then the inputs over them (empty inputs left out). */
function toBody(i: Inputs, rest: Record<string, unknown>, creating: boolean): Record<string, unknown> | string {
  const b: Record<string, unknown> = { ...rest, type: i.type, name: i.name.trim() };
  if (creating && i.id.trim()) b.id = i.id.trim();
  if (i.group.trim()) b.group = i.group.trim();
  const set = (k: string, v: unknown) => {
    if (v !== "" && v !== undefined && !(Array.isArray(v) && !v.length)) b[k] = v;
  };
  if (i.type === "http" || i.type === "tcp" || i.type === "tls") set("url", i.url.trim());
  if (i.type === "http") {
    if (i.method && i.method !== "GET") set("method", i.method);
    const expect = { ...((rest.expect as Record<string, unknown> | undefined) ?? {}) };
    if (i.status.trim()) expect.status = list(i.status).map(num);
    if (i.bodyContains.trim()) expect.bodyContains = i.bodyContains;
    if (Object.keys(expect).length) b.expect = expect;
  }
  if (i.type === "dns") {
    set("query", i.query.trim());
    set("recordType", i.recordType);
    set("resolver", i.resolver.trim());
  }
  if (i.type === "heartbeat") {
    set("period", i.period.trim());
    set("grace", i.grace.trim());
  } else {
    set("interval", i.interval.trim());
    set("timeout", i.timeout.trim());
    if (i.retries.trim()) b.retries = Number(i.retries);
  }
  if (i.failureThreshold.trim()) b.failureThreshold = Number(i.failureThreshold);
  const labels: Record<string, string> = {};
  for (const line of i.labels.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf("=");
    if (eq <= 0) return `labels: "${line}" is not name=value`;
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  if (Object.keys(labels).length) b.labels = labels;
  set("alerts", list(i.alerts));
  if (i.paused) b.paused = true;
  return b;
}

/** The form; with `id` it edits that monitor. */
export function MonitorForm({ id }: { id?: string }) {
  const [inputs, setInputs] = useState<Inputs>(EMPTY);
  const [more, setMore] = useState("{}");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState(!id);
  useEffect(() => {
    if (!id) return;
    get<{ monitor: { group: string[]; definition: { check: Record<string, unknown> } } }>(monitorPath(id)).then(
      (r) => {
        const { inputs: i, rest } = fromEntry(r.monitor.definition.check, r.monitor.group);
        setInputs(i);
        setMore(JSON.stringify(rest, null, 2));
        setLoaded(true);
      },
      (e: Error) => setError(e.message),
    );
  }, [id]);
  const set = <K extends keyof Inputs>(k: K) => (e: Event) => {
    const t = e.currentTarget as HTMLInputElement;
    setInputs({ ...inputs, [k]: t.type === "checkbox" ? t.checked : t.value });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    let rest: Record<string, unknown>;
    try {
      rest = more.trim() ? (JSON.parse(more) as Record<string, unknown>) : {};
      if (typeof rest !== "object" || rest === null || Array.isArray(rest)) throw new Error("must be a JSON object");
    } catch (err) {
      setError(`More fields: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const body = toBody(inputs, rest, !id);
    if (typeof body === "string") return setError(body);
    setBusy(true);
    try {
      const r = await api<{ monitor: { id: string } }>(id ? "PUT" : "POST", id ? monitorPath(id) : "/api/v1/monitors", body);
      navigate(href(["monitors", r.monitor.id]));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const t = inputs.type;
  if (!loaded) return <main class="page">{error ? <ErrorLine error={error} /> : "Loading…"}</main>;
  return (
    <main class="page">
      <form class="card form" onSubmit={(e) => void submit(e)} aria-label={id ? "Edit monitor" : "New monitor"}>
        <h1>{id ? `Edit ${inputs.name}` : "New monitor"}</h1>
        <div class="grid">
          <Field label="Name">
            <input name="name" required value={inputs.name} onInput={set("name")} />
          </Field>
          <Field label="Kind">
            <select name="type" value={t} onChange={set("type")}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Group" hint="Path like shop/eu; empty for none.">
            <input name="group" value={inputs.group} onInput={set("group")} />
          </Field>
          {!id ? (
            <Field label="Id" hint="Optional; derived from the group and name.">
              <input name="id" value={inputs.id} onInput={set("id")} />
            </Field>
          ) : null}
          {t === "http" || t === "tcp" || t === "tls" ? (
            <Field label="URL" wide hint={t === "http" ? "http:// or https://" : `${t}://host:port`}>
              <input name="url" required value={inputs.url} onInput={set("url")} placeholder={t === "http" ? "https://example.com/health" : `${t}://example.com:443`} />
            </Field>
          ) : null}
          {t === "http" ? (
            <>
              <Field label="Method">
                <select name="method" value={inputs.method} onChange={set("method")}>
                  {["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </Field>
              <Field label="Accepted status" hint="e.g. 2xx, 301, 200-299 (default 2xx)">
                <input name="status" value={inputs.status} onInput={set("status")} />
              </Field>
              <Field label="Body contains" wide>
                <input name="bodyContains" value={inputs.bodyContains} onInput={set("bodyContains")} />
              </Field>
            </>
          ) : null}
          {t === "dns" ? (
            <>
              <Field label="Name to look up">
                <input name="query" required value={inputs.query} onInput={set("query")} />
              </Field>
              <Field label="Record type">
                <select name="recordType" value={inputs.recordType} onChange={set("recordType")}>
                  {["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "PTR", "CAA"].map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </Field>
              <Field label="Resolver" hint="host or host:port; empty for the system's">
                <input name="resolver" value={inputs.resolver} onInput={set("resolver")} />
              </Field>
            </>
          ) : null}
          {t === "heartbeat" ? (
            <>
              <Field label="Period" hint="Expected time between check-ins, e.g. 1h">
                <input name="period" value={inputs.period} onInput={set("period")} />
              </Field>
              <Field label="Grace">
                <input name="grace" value={inputs.grace} onInput={set("grace")} />
              </Field>
            </>
          ) : (
            <>
              <Field label="Interval" hint="e.g. 30s, 5m (1s at least)">
                <input name="interval" value={inputs.interval} onInput={set("interval")} />
              </Field>
              <Field label="Timeout">
                <input name="timeout" value={inputs.timeout} onInput={set("timeout")} />
              </Field>
              <Field label="Retries">
                <input name="retries" inputMode="numeric" value={inputs.retries} onInput={set("retries")} />
              </Field>
            </>
          )}
          <Field label="Failures before an incident">
            <input name="failureThreshold" inputMode="numeric" value={inputs.failureThreshold} onInput={set("failureThreshold")} />
          </Field>
          <Field label="Labels" hint="One name=value per line" wide>
            <textarea name="labels" rows={3} value={inputs.labels} onInput={set("labels")} />
          </Field>
          <Field label="Alerts" hint="Channels or routes, comma-separated" wide>
            <input name="alerts" value={inputs.alerts} onInput={set("alerts")} />
          </Field>
          <label class="check">
            <input type="checkbox" name="paused" checked={inputs.paused} onChange={set("paused")} /> Paused
          </label>
          <details class="wide">
            <summary>More fields (JSON)</summary>
            <p class="hint">Any other field of the monitor entry, as in a configuration file (headers, expect.json, thresholds, dependsOn…).</p>
            <textarea class="code" rows={8} value={more} onInput={(e) => setMore(e.currentTarget.value)} aria-label="More fields as JSON" />
          </details>
        </div>
        <ErrorLine error={error} />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : id ? "Save" : "Create monitor"}
          </button>
          <a class="button" href={id ? href(["monitors", id]) : href([])}>
            Cancel
          </a>
        </div>
      </form>
    </main>
  );
}
