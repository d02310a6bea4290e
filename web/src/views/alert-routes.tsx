/**
 * The notification routing tree (Alertmanager's semantics): the root's defaults and its routes,
 * each with matchers, channels and timing. Deeper routes are edited as JSON inside their parent.
 */
import { useEffect, useState } from "preact/hooks";
import { api, get } from "../api.ts";
import { lines } from "../components/resource-editor.tsx";
import { ErrorLine, Field, Section } from "../components/ui.tsx";
import { canEdit, type Session } from "../session.ts";

interface RouteNode {
  matchers?: string[];
  channels?: string[];
  groupBy?: string[];
  groupWait?: string | number;
  groupInterval?: string | number;
  repeatInterval?: string | number;
  continue?: boolean;
  routes?: RouteNode[];
}

const TIMING = ["groupWait", "groupInterval", "repeatInterval"] as const;

function RouteFields({ r, onChange, root }: { r: RouteNode; onChange: (r: RouteNode) => void; root?: boolean }) {
  const [deeper, setDeeper] = useState(JSON.stringify(r.routes ?? [], null, 2));
  return (
    <div class="grid">
      {!root ? (
        <Field label="Matchers" hint="One per line: severity=critical, group=~shop/.*" wide>
          <textarea rows={2} value={(r.matchers ?? []).join("\n")} onInput={(e) => onChange({ ...r, matchers: lines(e.currentTarget.value) })} />
        </Field>
      ) : null}
      <Field label="Channels" hint="Comma-separated names">
        <input value={(r.channels ?? []).join(", ")} onInput={(e) => onChange({ ...r, channels: lines(e.currentTarget.value) })} />
      </Field>
      <Field label="Group by" hint="Labels, e.g. group, monitor">
        <input value={(r.groupBy ?? []).join(", ")} onInput={(e) => onChange({ ...r, groupBy: lines(e.currentTarget.value) })} />
      </Field>
      {TIMING.map((k) => (
        <Field key={k} label={k === "groupWait" ? "Group wait" : k === "groupInterval" ? "Group interval" : "Repeat every"}>
          <input value={r[k] === undefined ? "" : String(r[k])} onInput={(e) => onChange({ ...r, [k]: e.currentTarget.value || undefined })} />
        </Field>
      ))}
      {!root ? (
        <>
          <label class="check">
            <input type="checkbox" checked={r.continue === true} onChange={(e) => onChange({ ...r, continue: e.currentTarget.checked || undefined })} /> Continue to the next routes
          </label>
          <Field label="Sub-routes (JSON)" wide>
            <textarea
              class="code"
              rows={3}
              value={deeper}
              onInput={(e) => {
                setDeeper(e.currentTarget.value);
                try {
                  const v = JSON.parse(e.currentTarget.value) as RouteNode[];
                  if (Array.isArray(v)) onChange({ ...r, routes: v.length ? v : undefined });
                } catch {
                  // Kept as typed until it parses.
                }
              }}
            />
          </Field>
        </>
      ) : null}
    </div>
  );
}

/** The page. */
export function AlertRoutes({ session }: { session: Session }) {
  const [tree, setTree] = useState<RouteNode>();
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const editable = canEdit(session);
  useEffect(() => {
    get<{ routes?: RouteNode; root?: RouteNode } & RouteNode>("/api/v1/routes").then(
      (r) => setTree(r.routes ?? r.root ?? r),
      (e: Error) => setError(e.message),
    );
  }, []);
  if (!tree) return <main class="page">{error ? <ErrorLine error={error} /> : "Loading…"}</main>;
  const children = tree.routes ?? [];
  const setChild = (i: number, r: RouteNode) => setTree({ ...tree, routes: children.map((c, k) => (k === i ? r : c)) });
  const save = async () => {
    setError(undefined);
    setSaved(undefined);
    try {
      await api("PUT", "/api/v1/routes", tree);
      setSaved("Saved: the new routes are in force.");
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <main class="page">
      <Section title="Notification routes" actions={editable ? <button class="primary" onClick={() => void save()}>Save routes</button> : null}>
        <p class="muted">An incident's labels go down the tree; the first matching route (and the next ones, with continue) sends to its channels. The root catches everything else.</p>
        <fieldset class="route" disabled={!editable}>
          <legend>Root (defaults)</legend>
          <RouteFields r={tree} root onChange={setTree} />
        </fieldset>
        {children.map((c, i) => (
          <fieldset class="route" key={i} disabled={!editable}>
            <legend>
              Route {i + 1}{" "}
              {editable ? (
                <button type="button" class="small danger" onClick={() => setTree({ ...tree, routes: children.filter((_, k) => k !== i) })}>
                  Remove
                </button>
              ) : null}
            </legend>
            <RouteFields r={c} onChange={(r) => setChild(i, r)} />
          </fieldset>
        ))}
        {editable ? (
          <button type="button" onClick={() => setTree({ ...tree, routes: [...children, { matchers: [], channels: [] }] })}>
            Add a route
          </button>
        ) : null}
        <ErrorLine error={error} />
        {saved ? <p class="note" role="status">{saved}</p> : null}
      </Section>
    </main>
  );
}
