/**
 * A monitor's page: state and actions (pause, mute, edit), uptime over five periods, latency by
 * phase, the 90-day bar, incidents with acknowledge and notes, and the last failures in full.
 * Live events reload it without a page reload.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, get, monitorPath, qs } from "../api.ts";
import { StatusBar } from "../components/bar.tsx";
import type { LatencyChart as LatencyChartType } from "../components/latency-chart.tsx";
import { ErrorLine, Section, StateBadge } from "../components/ui.tsx";
import { ms, pct, span, STATE_WORD, when } from "../format.ts";
import { listen } from "../live.ts";
import { href, navigate } from "../router.ts";
import { authorOf, canEdit, type Session } from "../session.ts";
import type { Detail, Silence } from "../types.ts";
import { FailureCard } from "./failure-card.tsx";
import { IncidentsPanel } from "./incidents-panel.tsx";

type Range = "1h" | "24h" | "7d";

type ChartComponent = typeof LatencyChartType;
let chartModule: Promise<ChartComponent> | undefined;

/** The chart (and uPlot) load with the first monitor page, not with the listing. */
function LazyChart({ series }: { series: Detail["latency"] }) {
  const [Chart, setChart] = useState<ChartComponent>();
  useEffect(() => {
    chartModule ??= import("../components/latency-chart.tsx").then((m) => m.LatencyChart);
    void chartModule.then((c) => setChart(() => c));
  }, []);
  return Chart ? <Chart series={series} /> : <div class="chart" />;
}

/** What `/api/v1/monitors/<id>` adds: the definition, the target, heartbeat addresses. */
interface MonitorFull {
  target?: string | null;
  readOnly?: boolean;
  source?: string;
  file?: string;
  definition?: { check?: Record<string, unknown> };
  heartbeat?: { uuid: string; slug: string; pushToken?: string };
}

const muteMatcher = (id: string) => `monitor="${id.replace(/"/g, '\\"')}"`;

function Mute({ id, session }: { id: string; session: Session }) {
  const [silences, setSilences] = useState<Silence[]>([]);
  const [error, setError] = useState<string>();
  const load = () =>
    get<{ silences: Silence[] }>("/api/v1/silences").then(
      (r) => setSilences(r.silences.filter((s) => s.active && s.matchers.length === 1 && (s.matchers[0] === muteMatcher(id) || s.matchers[0] === `monitor=${id}`))),
      () => setSilences([]),
    );
  useEffect(() => void load(), [id]);
  const mute = async (duration: string) => {
    setError(undefined);
    try {
      await api("POST", "/api/v1/silences", { matchers: [muteMatcher(id)], duration, author: authorOf(session), comment: "muted from the dashboard" });
      await load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const unmute = async (s: Silence) => {
    await api("DELETE", `/api/v1/silences/${s.id}`).catch((e: Error) => setError(e.message));
    await load();
  };
  const current = silences[0];
  return (
    <span class="mute">
      {current ? (
        <button onClick={() => void unmute(current)} title={`Muted by ${current.author} until ${new Date(current.endsAt).toLocaleString()}`}>
          Unmute (muted until {new Date(current.endsAt).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })})
        </button>
      ) : (
        <select
          aria-label="Mute notifications"
          value=""
          onChange={(e) => {
            const v = e.currentTarget.value;
            e.currentTarget.value = "";
            if (v) void mute(v);
          }}
        >
          <option value="">Mute…</option>
          <option value="1h">Mute 1 hour</option>
          <option value="4h">Mute 4 hours</option>
          <option value="24h">Mute 24 hours</option>
          <option value="7d">Mute 7 days</option>
        </select>
      )}
      <ErrorLine error={error} />
    </span>
  );
}

function Actions({ d, full, session, onDone }: { d: Detail; full: MonitorFull | undefined; session: Session; onDone: () => void }) {
  const [error, setError] = useState<string>();
  const m = d.monitor;
  const writable = canEdit(session) && full?.readOnly === false;
  const run = async (method: string, path: string) => {
    setError(undefined);
    try {
      await api(method, path);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div class="actions">
      {writable ? (
        <button onClick={() => void run("POST", `${monitorPath(m.id)}/${m.state === "paused" ? "resume" : "pause"}`)}>{m.state === "paused" ? "Resume" : "Pause"}</button>
      ) : null}
      {canEdit(session) ? <Mute id={m.id} session={session} /> : null}
      {writable ? (
        <a class="button" href={href(["monitors", m.id, "edit"])}>
          Edit
        </a>
      ) : null}
      {writable ? (
        <button
          class="danger"
          onClick={() => {
            if (confirm(`Delete "${m.name}"? Its history stays.`)) void run("DELETE", monitorPath(m.id)).then(() => navigate(href([])));
          }}
        >
          Delete
        </button>
      ) : null}
      {full?.readOnly ? <span class="muted">Read-only here: defined in {full.file ?? (full.source === "native" ? "a configuration file" : `the ${full.source} configuration`)}</span> : null}
      <ErrorLine error={error} />
    </div>
  );
}

function UptimeTiles({ d }: { d: Detail }) {
  return (
    <div class="tiles">
      {(["24h", "7d", "30d", "90d", "365d"] as const).map((p) => {
        const u = d.uptime[p];
        return (
          <div class="tile" key={p} data-period={p}>
            <span class="tile-label">{p}</span>
            <b class={u.uptimePct !== null && u.uptimePct < 99 ? "bad" : ""}>{pct(u.uptimePct)}</b>
            <small>
              {u.checks ? `${u.failures} down of ${u.checks}` : "no checks"}
              {u.downtimeSec ? ` · ${span(u.downtimeSec * 1000)} down` : ""}
              {u.latencyAvgMs !== null ? ` · avg ${ms(u.latencyAvgMs)}` : ""}
            </small>
          </div>
        );
      })}
    </div>
  );
}

/** The page. */
export function MonitorDetail({ id, session }: { id: string; session: Session }) {
  const [range, setRange] = useState<Range>("24h");
  const [d, setD] = useState<Detail>();
  const [full, setFull] = useState<MonitorFull>();
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  const last = useRef(0);
  const reload = () => setVersion((v) => v + 1);
  useEffect(() => {
    let stale = false;
    last.current = Date.now();
    Promise.all([get<Detail>(`/api/v1/dashboard/monitor${qs({ id, range })}`), get<{ monitor: MonitorFull }>(monitorPath(id)).then((r) => r.monitor, () => undefined)]).then(
      ([detail, f]) => {
        if (stale) return;
        setD(detail);
        setFull(f);
        setError(undefined);
      },
      (e: Error) => !stale && setError(e instanceof ApiError && e.status === 404 ? `No monitor "${id}".` : e.message),
    );
    return () => {
      stale = true;
    };
  }, [id, range, version]);
  useEffect(
    () =>
      listen({
        status: (e) => e.id === id && reload(),
        // Results move the chart: at most one reload every 15 s for them.
        results: (b) => b.some((r) => r.id === id) && Date.now() - last.current > 15_000 && reload(),
        resync: reload,
      }),
    [id],
  );
  if (error) return <main class="page"><ErrorLine error={error} /><a href={href([])}>Back to the monitors</a></main>;
  if (!d) return <main class="page loading">Loading…</main>;
  const m = d.monitor;
  const hb = full?.heartbeat;
  const check = full?.definition?.check;
  const target = full?.target ?? (typeof check?.url === "string" ? check.url : typeof check?.query === "string" ? check.query : undefined);
  return (
    <main class="page detail" data-state={m.state}>
      <nav class="crumbs">
        <a href={href([])}>Monitors</a>
        {m.group.map((g, i) => (
          <span key={i}>
            {" / "}
            <a href={href([], { group: m.group.slice(0, i + 1).join("/") })}>{g}</a>
          </span>
        ))}
      </nav>
      <header class="detail-head">
        <div>
          <h1>
            {m.name} <StateBadge state={m.state} />
          </h1>
          <p class="muted">
            {m.kind}
            {target ? (
              <>
                {" · "}
                <code class="wrap">{target}</code>
              </>
            ) : null}
            {m.since ? ` · ${STATE_WORD[m.state]?.toLowerCase()} since ${when(m.since)} (${span(d.now - m.since)})` : ""}
            {m.latencyMs !== null ? ` · last ${ms(m.latencyMs)}` : ""}
          </p>
          {m.reason && m.state !== "up" ? <p class="reason-line">{m.reason}</p> : null}
          {Object.keys(m.labels).length ? (
            <p class="labels">
              {Object.entries(m.labels).map(([k, v]) => (
                <a key={k} class="label" href={href([], { label: `${k}=${v}` })}>
                  {k}={v}
                </a>
              ))}
            </p>
          ) : null}
        </div>
        <Actions d={d} full={full} session={session} onDone={reload} />
      </header>
      {hb ? (
        <p class="ping">
          Ping URL: <code class="wrap">{`${location.origin}/ping/${hb.uuid}`}</code>
          {hb.pushToken ? (
            <>
              {" · push: "}
              <code class="wrap">{`${location.origin}/api/push/${hb.pushToken}`}</code>
            </>
          ) : null}
        </p>
      ) : null}
      <UptimeTiles d={d} />
      <Section
        title="Latency by phase"
        actions={
          <div class="seg" role="group" aria-label="Range">
            {(["1h", "24h", "7d"] as const).map((r) => (
              <button key={r} class={range === r ? "on" : ""} aria-pressed={range === r} onClick={() => setRange(r)}>
                {r}
              </button>
            ))}
          </div>
        }
      >
        {d.latency.total.some((v) => v !== null) || d.latency.failures.some((f) => f > 0) ? <LazyChart series={d.latency} /> : <p class="muted">No checks in this range yet.</p>}
      </Section>
      <Section title="Last 90 days">
        <StatusBar bar={d.daily.bar} fromMs={d.daily.fromMs} bucketMs={d.daily.bucketMs} uptime={d.daily.uptime} class="daily" />
      </Section>
      <Section title="Incidents">
        <IncidentsPanel monitorId={m.id} editable={canEdit(session)} version={version} />
      </Section>
      <Section title="Last failures">
        {d.failures.length ? d.failures.map((f, i) => <FailureCard key={f.at} f={f} open={i === 0} />) : <p class="muted">No failures kept (results are kept 14 days by default).</p>}
      </Section>
    </main>
  );
}
