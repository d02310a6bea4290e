/**
 * The monitor listing: counts and the group tree at the side, search and filters on top, and a
 * virtualised list of rows (state, name, 24 h bar, last latency, uptime) ordered problems first.
 * Everything is filtered and sorted on the server; live events change rows in place.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { StatusBar } from "../components/bar.tsx";
import { ErrorLine, StateDot } from "../components/ui.tsx";
import { VirtualList } from "../components/virtual-list.tsx";
import { ms, pct, span, STATE_WORD } from "../format.ts";
import { type ListQuery, ListModel } from "../list-model.ts";
import { listen } from "../live.ts";
import { href, navigate } from "../router.ts";
import { canEdit, type Session } from "../session.ts";
import { type Row, STATES, type State } from "../types.ts";

/** One listing for the whole visit: coming back from a monitor keeps the place. */
const model = new ListModel();

const KEYS = ["q", "state", "group", "label", "kind", "sort"] as const;

function queryOf(params: URLSearchParams): ListQuery {
  const out: ListQuery = {};
  for (const k of KEYS) {
    const v = params.get(k);
    if (v) out[k] = v;
  }
  return out;
}

const sameQuery = (a: ListQuery, b: ListQuery) => KEYS.every((k) => (a[k] ?? "") === (b[k] ?? ""));

/** Goes to the listing with some filters changed. */
function setFilter(q: ListQuery, change: Partial<ListQuery>): void {
  const next = { ...q, ...change } as Record<string, string | undefined>;
  navigate(href([], next), true);
}

function useModel(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => model.subscribe(() => setTick((t) => t + 1)), []);
  return tick;
}

function useNarrow(): boolean {
  const mq = useMemo(() => window.matchMedia("(max-width: 720px)"), []);
  const [narrow, setNarrow] = useState(mq.matches);
  useEffect(() => {
    const on = () => setNarrow(mq.matches);
    mq.addEventListener("change", on);
    return () => mq.removeEventListener("change", on);
  }, [mq]);
  return narrow;
}

function Sidebar({ query }: { query: ListQuery }) {
  const s = model.summary;
  if (!s) return <aside class="side" />;
  const states = new Set((query.state ?? "").split(",").filter(Boolean));
  const toggle = (st: State) => {
    const next = new Set(states);
    if (next.has(st)) next.delete(st);
    else next.add(st);
    setFilter(query, { state: STATES.filter((x) => next.has(x)).join(",") || undefined });
  };
  return (
    <aside class="side" aria-label="Filters">
      <button class={`side-all${!query.state && !query.group ? " on" : ""}`} onClick={() => setFilter(query, { state: undefined, group: undefined })}>
        All monitors <b>{s.total}</b>
      </button>
      <ul class="counts">
        {STATES.map((st) => (
          <li key={st}>
            <button class={`count st-${st}${states.has(st) ? " on" : ""}`} aria-pressed={states.has(st)} onClick={() => toggle(st)} disabled={!s.counts[st] && !states.has(st)}>
              <StateDot state={st} /> {STATE_WORD[st]} <b data-count={st}>{s.counts[st] ?? 0}</b>
            </button>
          </li>
        ))}
      </ul>
      {s.groups.length ? (
        <nav class="tree" aria-label="Groups">
          <h3>Groups</h3>
          {s.groups.map((g) => (
            <button key={g.path} class={`tree-item${query.group === g.path ? " on" : ""}`} style={{ paddingLeft: `${0.5 + g.depth * 0.9}rem` }} onClick={() => setFilter(query, { group: query.group === g.path ? undefined : g.path })} title={g.path}>
              <span class="tree-name">{g.name}</span>
              {g.problems ? <span class="tree-bad" title="down or degraded">{g.problems}</span> : null}
              <span class="tree-total">{g.total}</span>
            </button>
          ))}
        </nav>
      ) : null}
    </aside>
  );
}

function Toolbar({ query, session }: { query: ListQuery; session: Session }) {
  const [text, setText] = useState(query.q ?? "");
  const [label, setLabel] = useState(query.label ?? "");
  useEffect(() => setText(query.q ?? ""), [query.q]);
  useEffect(() => {
    if (text === (query.q ?? "")) return;
    const t = setTimeout(() => setFilter(query, { q: text || undefined }), 250);
    return () => clearTimeout(t);
  }, [text]);
  const kinds = model.summary?.kinds ?? [];
  return (
    <div class="toolbar">
      <input type="search" class="search" placeholder="Search name, id or group" aria-label="Search monitors" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <select aria-label="Kind" value={query.kind ?? ""} onChange={(e) => setFilter(query, { kind: e.currentTarget.value || undefined })}>
        <option value="">All kinds</option>
        {kinds.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <form
        class="label-filter"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(query, { label: label.trim() || undefined });
        }}
      >
        <input placeholder="label=value" aria-label="Label filter (label=value, label=~regex)" value={label} onInput={(e) => setLabel(e.currentTarget.value)} onBlur={() => label !== (query.label ?? "") && setFilter(query, { label: label.trim() || undefined })} />
      </form>
      <select aria-label="Order" value={query.sort ?? "problems"} onChange={(e) => setFilter(query, { sort: e.currentTarget.value === "problems" ? undefined : e.currentTarget.value })}>
        <option value="problems">Problems first</option>
        <option value="name">Name</option>
        <option value="latency">Slowest first</option>
        <option value="changed">Last changed</option>
      </select>
      {canEdit(session) ? (
        <a class="button primary" href={href(["new"])}>
          New monitor
        </a>
      ) : null}
    </div>
  );
}

function MonitorRow({ row, now }: { row: Row; now: number }) {
  const bar = model.bar;
  return (
    <a class={`mrow st-${row.state}`} href={href(["monitors", row.id])} data-id={row.id} data-state={row.state}>
      <StateDot state={row.state} />
      <span class="m-name">
        <b>{row.name}</b>
        <small>
          {row.group.length ? `${row.group.join(" / ")} · ` : ""}
          {row.kind}
          {row.state !== "up" && row.since ? ` · ${STATE_WORD[row.state]?.toLowerCase()} for ${span(now - row.since)}` : ""}
          {row.reason ? ` · ${row.reason}` : ""}
        </small>
      </span>
      {bar ? <StatusBar bar={row.bar} fromMs={bar.fromMs} bucketMs={bar.bucketMs} class="m-bar" /> : <span class="m-bar" />}
      <span class="m-lat" title="Latency of the last check">{ms(row.latencyMs)}</span>
      <span class="m-up" title="Uptime over 24 hours / 30 days">
        {pct(row.uptime24h)}
        <small>{pct(row.uptime30d)}</small>
      </span>
    </a>
  );
}

/** The listing page. */
export function MonitorList({ params, session }: { params: URLSearchParams; session: Session }) {
  const query = useMemo(() => queryOf(params), [params.toString()]);
  useModel();
  const narrow = useNarrow();
  const [showSide, setShowSide] = useState(false);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!model.summary || !sameQuery(model.query, query)) void model.load(query);
    else void model.refresh();
  }, [query]);
  useEffect(() => {
    const stop = listen({ status: (e) => model.status(e), results: (b) => model.results(b), resync: () => void model.refresh() });
    // Bars and uptime move with the clock: the page is fetched again every minute.
    const every = setInterval(() => void model.refresh(), 60_000);
    const clock = setInterval(() => setNow(Date.now()), 15_000);
    return () => {
      stop();
      clearInterval(every);
      clearInterval(clock);
    };
  }, []);
  const onRange = useCallback((from: number, to: number) => model.need(from, to), []);
  const render = useCallback(
    (i: number) => {
      const row = model.row(i);
      return row ? <MonitorRow row={row} now={now} /> : <div class="mrow placeholder" aria-busy="true" />;
    },
    [now, model.total],
  );
  const filtered = KEYS.some((k) => k !== "sort" && query[k]);
  return (
    <main class={`list-page${showSide ? " side-open" : ""}`}>
      {narrow ? (
        <button class="side-toggle" aria-expanded={showSide} onClick={() => setShowSide(!showSide)}>
          {showSide ? "Hide filters" : `Filters${model.summary ? ` · ${model.summary.counts.down} down` : ""}`}
        </button>
      ) : null}
      {!narrow || showSide ? <Sidebar query={query} /> : null}
      <section class="list-main">
        <Toolbar query={query} session={session} />
        <ErrorLine error={model.error} />
        <div class="list-head" aria-hidden="true">
          <span />
          <span>
            {model.total} monitor{model.total === 1 ? "" : "s"}
            {filtered ? " (filtered)" : ""}
          </span>
          <span class="m-bar">Last 24 hours</span>
          <span class="m-lat">Latency</span>
          <span class="m-up">24 h / 30 d</span>
        </div>
        {model.summary && model.total === 0 ? (
          <p class="empty">{filtered ? "No monitor matches these filters." : "No monitors yet. Create one, or define them in a configuration file."}</p>
        ) : (
          <VirtualList count={model.total} rowHeight={narrow ? 68 : 52} render={render} onRange={onRange} resetKey={JSON.stringify(query)} />
        )}
      </section>
    </main>
  );
}
