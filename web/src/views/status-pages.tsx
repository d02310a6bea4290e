/** Public status pages: slug, title, sections of monitors; each opens at /pages/<slug>. */
import { lines, listOf, ResourceEditor, type ResourceSpec } from "../components/resource-editor.tsx";
import { canEdit, type Session } from "../session.ts";

interface Section {
  title: string;
  description?: string;
  monitors: Array<{ id: string; name?: string }>;
  matchers: string[];
}

interface Page {
  slug: string;
  url?: string;
  title: string;
  description?: string;
  sections: Section[];
  domain?: string | null;
  passwordProtected?: boolean;
  readOnly?: boolean;
}

/** Sections as text: `Title: monitor-id, label=value` per line. */
const sectionsText = (s: Section[]) => s.map((x) => `${x.title}: ${[...x.monitors.map((m) => m.id), ...x.matchers].join(", ")}`).join("\n");

/** Sections from the text; monitor display names and descriptions of sections kept from `old`. */
function parseSections(text: string, old: Section[]): Array<Record<string, unknown>> | string {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return `Sections: "${line}" is not "Title: monitor-id, monitor-id"`;
    const title = line.slice(0, colon).trim();
    const items = lines(line.slice(colon + 1));
    const before = old.find((s) => s.title === title);
    const names = new Map((before?.monitors ?? []).map((m) => [m.id, m.name]));
    const monitors = items.filter((x) => !/[=~]/.test(x)).map((id) => (names.get(id) ? { id, name: names.get(id) } : id));
    const matchers = items.filter((x) => /[=~]/.test(x));
    out.push({ title, ...(before?.description ? { description: before.description } : {}), monitors, ...(matchers.length ? { matchers } : {}) });
  }
  return out;
}

const SPEC: ResourceSpec<Page> = {
  title: "Status pages",
  noun: "status page",
  list: listOf<Page>("/api/v1/status-pages", "statusPages"),
  keyOf: (p) => p.slug,
  summary: (p) => (
    <>
      {p.title} ·{" "}
      <a href={p.url ?? `/pages/${encodeURIComponent(p.slug)}`} target="_blank" rel="noopener">
        {p.url ?? `/pages/${p.slug}`}
      </a>
      {p.domain ? <span class="muted"> · {p.domain}</span> : null}
      {p.passwordProtected ? <span class="tag">password</span> : null}
    </>
  ),
  fields: [
    { key: "slug", label: "Slug", required: true, createOnly: true, hint: "Lowercase letters, digits and dashes: /pages/<slug>" },
    { key: "title", label: "Title", required: true },
    { key: "description", label: "Description", wide: true },
    { key: "sections", label: "Sections", kind: "lines", wide: true, hint: "One per line: Title: monitor-id, monitor-id (or label matchers like group=shop)" },
    { key: "domain", label: "Custom domain", hint: "Also served at / on this host name (optional)" },
    { key: "password", label: "Password", kind: "password", hint: "8 characters at least; empty keeps the page as it is" },
    { key: "public", label: "Remove the password (public page)", kind: "checkbox" },
  ],
  inputsOf: (p) => ({ slug: p.slug, title: p.title, description: p.description ?? "", sections: sectionsText(p.sections), domain: p.domain ?? "", password: "", public: "" }),
  blank: { slug: "", title: "", description: "", sections: "", domain: "", password: "", public: "" },
  bodyOf: (i, p) => {
    const sections = parseSections(i.sections ?? "", p?.sections ?? []);
    if (typeof sections === "string") return sections;
    const body: Record<string, unknown> = { title: i.title, description: i.description?.trim() ?? "", sections, domain: i.domain?.trim() || null };
    if (!p) body.slug = i.slug;
    if (i.public === "true") body.password = null;
    else if (i.password) body.password = i.password;
    return body;
  },
  create: ["POST", "/api/v1/status-pages"],
  update: (p) => ["PATCH", `/api/v1/status-pages/${encodeURIComponent(p.slug)}`],
  remove: (p) => `/api/v1/status-pages/${encodeURIComponent(p.slug)}`,
  writable: (p) => !p.readOnly,
};

/** The page. */
export function StatusPages({ session }: { session: Session }) {
  return <ResourceEditor spec={SPEC} editable={canEdit(session)} />;
}
