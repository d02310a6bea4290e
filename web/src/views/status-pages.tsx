/** Public status pages: slug, title, sections of monitors; each opens at /pages/<slug>. */
import { lines, listOf, ResourceEditor, type ResourceSpec } from "../components/resource-editor.tsx";
import { canEdit, type Session } from "../session.ts";

interface Page {
  slug: string;
  title: string;
  description?: string;
  sections?: Array<{ name: string; monitors: string[] }>;
  domain?: string | null;
  hasPassword?: boolean;
  readOnly?: boolean;
}

/** Sections as text: `Section name: id1, id2` per line. */
const sectionsText = (s: Page["sections"]) => (s ?? []).map((x) => `${x.name}: ${x.monitors.join(", ")}`).join("\n");

function parseSections(text: string): Page["sections"] | string {
  const out: NonNullable<Page["sections"]> = [];
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return `Sections: "${line}" is not "Name: monitor-id, monitor-id"`;
    out.push({ name: line.slice(0, colon).trim(), monitors: lines(line.slice(colon + 1)) });
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
      <a href={`/pages/${encodeURIComponent(p.slug)}`} target="_blank" rel="noopener">
        /pages/{p.slug}
      </a>
      {p.domain ? <span class="muted"> · {p.domain}</span> : null}
      {p.hasPassword ? <span class="tag">password</span> : null}
    </>
  ),
  fields: [
    { key: "slug", label: "Slug", required: true, createOnly: true, hint: "Lowercase letters, digits and dashes: /pages/<slug>" },
    { key: "title", label: "Title", required: true },
    { key: "description", label: "Description", wide: true },
    { key: "sections", label: "Sections", kind: "lines", wide: true, hint: "One per line: Name: monitor-id, monitor-id" },
    { key: "domain", label: "Custom domain", hint: "Served on this Host too (optional)" },
    { key: "password", label: "Password", kind: "password", hint: "Leave empty for a public page (or to keep the current one)" },
  ],
  inputsOf: (p) => ({ slug: p.slug, title: p.title, description: p.description ?? "", sections: sectionsText(p.sections), domain: p.domain ?? "", password: "" }),
  blank: { slug: "", title: "", description: "", sections: "", domain: "", password: "" },
  bodyOf: (i) => {
    const sections = parseSections(i.sections ?? "");
    if (typeof sections === "string") return sections;
    return {
      slug: i.slug,
      title: i.title,
      ...(i.description?.trim() ? { description: i.description.trim() } : {}),
      sections,
      ...(i.domain?.trim() ? { domain: i.domain.trim() } : {}),
      ...(i.password ? { password: i.password } : {}),
    };
  },
  create: ["POST", "/api/v1/status-pages"],
  update: (p) => ["PUT", `/api/v1/status-pages/${encodeURIComponent(p.slug)}`],
  remove: (p) => `/api/v1/status-pages/${encodeURIComponent(p.slug)}`,
  writable: (p) => !p.readOnly,
};

/** The page. */
export function StatusPages({ session }: { session: Session }) {
  return <ResourceEditor spec={SPEC} editable={canEdit(session)} />;
}
