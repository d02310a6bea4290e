/**
 * Notification routes (Alertmanager's semantics): the file's root and routes (read-only here),
 * then the routes made through the API, each with matchers, channels, grouping and timing.
 */
import { useEffect, useState } from "preact/hooks";
import { get } from "../api.ts";
import { lines, ResourceEditor, type ResourceSpec } from "../components/resource-editor.tsx";
import { canEdit, type Session } from "../session.ts";

interface RouteSpec {
  name?: string;
  matchers?: string[];
  channels?: string[];
  groupBy?: string[];
  groupWait?: string | number;
  groupInterval?: string | number;
  repeatInterval?: string | number;
  continue?: boolean;
  routes?: RouteSpec[];
}

interface RouteItem {
  name: string;
  position: number | null;
  source: string;
  readOnly: boolean;
  active: boolean;
  spec: RouteSpec;
}

interface RoutesReply {
  order: string;
  root: { source: string | null; readOnly: boolean; spec: RouteSpec };
  routes: RouteItem[];
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

const SPEC: ResourceSpec<RouteItem> = {
  title: "Notification routes",
  noun: "route",
  list: async () => (await get<RoutesReply>("/api/v1/routes")).routes,
  keyOf: (r) => r.name,
  summary: (r) => (
    <span class="muted">
      {(r.spec.matchers ?? []).join(", ") || "everything"} → {(r.spec.channels ?? []).join(", ") || "no channel"}
      {r.spec.continue ? " · continue" : ""}
      {r.readOnly ? ` · from ${r.source}` : ""}
      {r.active ? "" : " · not in force"}
    </span>
  ),
  fields: [
    { key: "name", label: "Name", required: true, createOnly: true, hint: "API routes are tried after the file's, by name" },
    { key: "matchers", label: "Matchers", kind: "lines", hint: "One per line: severity=critical, group=~shop/.*", wide: true },
    { key: "channels", label: "Channels", hint: "Comma-separated names" },
    { key: "groupBy", label: "Group by", hint: "Labels, e.g. group, monitor" },
    { key: "groupWait", label: "Group wait", hint: "e.g. 30s" },
    { key: "groupInterval", label: "Group interval", hint: "e.g. 5m" },
    { key: "repeatInterval", label: "Repeat every", hint: "e.g. 4h" },
    { key: "continue", label: "Continue to the next routes", kind: "checkbox" },
    { key: "routes", label: "Sub-routes (JSON list)", kind: "json", wide: true },
  ],
  inputsOf: (r) => ({
    name: r.name,
    matchers: (r.spec.matchers ?? []).join("\n"),
    channels: (r.spec.channels ?? []).join(", "),
    groupBy: (r.spec.groupBy ?? []).join(", "),
    groupWait: str(r.spec.groupWait),
    groupInterval: str(r.spec.groupInterval),
    repeatInterval: str(r.spec.repeatInterval),
    continue: r.spec.continue ? "true" : "",
    routes: r.spec.routes?.length ? JSON.stringify(r.spec.routes, null, 2) : "",
  }),
  blank: { name: "", matchers: "", channels: "", groupBy: "", groupWait: "", groupInterval: "", repeatInterval: "", continue: "", routes: "" },
  bodyOf: (i, r) => {
    let routes: unknown;
    if (i.routes?.trim()) {
      try {
        routes = JSON.parse(i.routes) as unknown;
      } catch (e) {
        return `Sub-routes: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (!Array.isArray(routes)) return "Sub-routes: must be a JSON list of routes";
    }
    const body: Record<string, unknown> = { name: r?.name ?? i.name, matchers: lines(i.matchers), channels: lines(i.channels) };
    if (i.groupBy?.trim()) body.groupBy = lines(i.groupBy);
    for (const k of ["groupWait", "groupInterval", "repeatInterval"] as const) if (i[k]?.trim()) body[k] = i[k]?.trim();
    if (i.continue === "true") body.continue = true;
    if (routes) body.routes = routes;
    return body;
  },
  create: ["POST", "/api/v1/routes"],
  update: (r) => ["PUT", `/api/v1/routes/${encodeURIComponent(r.name)}`],
  remove: (r) => `/api/v1/routes/${encodeURIComponent(r.name)}`,
  writable: (r) => !r.readOnly,
};

function RootInfo() {
  const [r, setR] = useState<RoutesReply>();
  useEffect(() => void get<RoutesReply>("/api/v1/routes").then(setR, () => undefined), []);
  if (!r) return null;
  const s = r.root.spec;
  return (
    <div class="muted">
      <p>{r.order}</p>
      <p>
        Root{r.root.source ? ` (${r.root.source})` : ""}: channels {(s.channels ?? []).join(", ") || "none"}
        {s.groupBy ? ` · group by ${s.groupBy.join(", ")}` : ""}
        {s.repeatInterval ? ` · repeat every ${s.repeatInterval}` : ""}
      </p>
    </div>
  );
}

/** The page. */
export function AlertRoutes({ session }: { session: Session }) {
  return <ResourceEditor spec={SPEC} editable={canEdit(session)} intro={<RootInfo />} />;
}

