/** The dashboard's shell: who is logged in, the navigation, and the view of the current route. */
import { useEffect, useState } from "preact/hooks";
import { onUnauthenticated } from "./api.ts";
import { connectLive, disconnectLive, type LiveState, onLiveState } from "./live.ts";
import { href, useRoute } from "./router.ts";
import { logOut, type Session, whoAmI } from "./session.ts";
import { AlertRoutes } from "./views/alert-routes.tsx";
import { Channels } from "./views/channels.tsx";
import { Login } from "./views/login.tsx";
import { Maintenance } from "./views/maintenance.tsx";
import { MonitorDetail } from "./views/monitor-detail.tsx";
import { MonitorForm } from "./views/monitor-form.tsx";
import { MonitorList } from "./views/monitor-list.tsx";
import { StatusPages } from "./views/status-pages.tsx";

const NAV: Array<[string, string]> = [
  ["monitors", "Monitors"],
  ["channels", "Channels"],
  ["routes", "Routes"],
  ["maintenance", "Maintenance"],
  ["status-pages", "Status pages"],
];

function LiveDot() {
  const [s, setS] = useState<LiveState>("connecting");
  useEffect(() => onLiveState(setS), []);
  const word = s === "live" ? "Live" : s === "connecting" ? "Connecting…" : "Offline";
  return (
    <span class={`live live-${s}`} title={s === "live" ? "Updates arrive as they happen" : "Reconnecting to live updates"}>
      <i /> {word}
    </span>
  );
}

function View({ session }: { session: Session }) {
  const { parts, params } = useRoute();
  const [head, id, sub] = parts;
  if (!head || head === "monitors") {
    if (id && sub === "edit") return <MonitorForm id={id} />;
    if (id) return <MonitorDetail id={id} session={session} />;
    return <MonitorList params={params} session={session} />;
  }
  if (head === "new") return <MonitorForm />;
  if (head === "channels") return <Channels session={session} />;
  if (head === "routes") return <AlertRoutes session={session} />;
  if (head === "maintenance") return <Maintenance session={session} />;
  if (head === "status-pages") return <StatusPages session={session} />;
  return (
    <main class="page">
      <p>
        Nothing here. <a href={href([])}>Back to the monitors</a>
      </p>
    </main>
  );
}

/** The app. */
export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState<string>();
  const { parts } = useRoute();
  useEffect(() => {
    whoAmI().then(setSession, (e: Error) => setError(e.message));
    return onUnauthenticated(() => setSession({ kind: "none" }));
  }, []);
  useEffect(() => {
    if (session && session.kind !== "none") connectLive(() => void whoAmI().then(setSession, () => undefined));
    else disconnectLive();
  }, [session]);
  if (error) return <main class="page"><p class="error">{error}</p></main>;
  if (!session) return <main class="page loading">Loading…</main>;
  if (session.kind === "none") return <Login onDone={(user) => setSession({ kind: "user", user })} />;
  const current = parts[0] === "new" || !parts[0] ? "monitors" : parts[0];
  const listing = !parts[0] || (parts[0] === "monitors" && !parts[1]);
  return (
    <div class={`shell${listing ? " fixed" : ""}`}>
      <header class="topbar">
        <a class="brand" href={href([])} aria-label="Upbeat home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true"><path d="M3 17h6l3-7 5 13 3-6h9" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" /></svg>
          Upbeat
        </a>
        <nav class="nav">
          {NAV.map(([k, label]) => (
            <a key={k} href={href([k])} class={current === k ? "on" : ""} aria-current={current === k ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          <LiveDot />
          {session.kind === "user" ? (
            <>
              <span class="user" title={`role: ${session.user.role}`}>{session.user.name}</span>
              <button
                class="link"
                onClick={() => {
                  disconnectLive();
                  void logOut().then(() => setSession({ kind: "none" }));
                }}
              >
                Log out
              </button>
            </>
          ) : null}
        </div>
      </header>
      <View session={session} />
    </div>
  );
}
