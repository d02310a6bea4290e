/**
 * A list of named things with a form to create, edit and delete them (channels, maintenance
 * windows, status pages). The fields are described once; the paths and body shape are given by
 * the view, so each follows its own API.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, get } from "../api.ts";
import { ErrorLine, Field, Section } from "./ui.tsx";

/** One input of the form. */
export interface FieldSpec {
  /** Key in the inputs. */
  key: string;
  /** Label. */
  label: string;
  /** Input kind: text, a choice, lines (a list), JSON, a checkbox or a local date-time. */
  kind?: "text" | "select" | "lines" | "json" | "checkbox" | "datetime" | "password";
  /** Choices of a select. */
  options?: readonly string[];
  /** Help under the input. */
  hint?: string;
  /** Must be filled. */
  required?: boolean;
  /** Spans the whole form width. */
  wide?: boolean;
  /** Only when creating (a key that cannot change). */
  createOnly?: boolean;
}

/** Inputs as strings (checkboxes as "true"/""). */
export type Inputs = Record<string, string>;

/** What the editor needs to know about one kind of thing. */
export interface ResourceSpec<T> {
  /** Section title. */
  title: string;
  /** Word for one item ("channel"). */
  noun: string;
  /** Loads the list. */
  list: () => Promise<T[]>;
  /** Name shown and used as key. */
  keyOf: (item: T) => string;
  /** Summary cells of the list. */
  summary: (item: T) => ComponentChildren;
  /** The fields. */
  fields: FieldSpec[];
  /** Inputs of an existing item (editing). */
  inputsOf: (item: T) => Inputs;
  /** Defaults of a new item. */
  blank: Inputs;
  /** Body sent (for `item` when editing), or what is wrong with the inputs. */
  bodyOf: (inputs: Inputs, item: T | undefined) => unknown;
  /** Create: method and path. */
  create: [string, string];
  /** Update: method and path. */
  update: (item: T) => [string, string];
  /** Delete path. */
  remove: (item: T) => string;
  /** Whether the item may be changed here (file-defined ones may not). */
  writable?: (item: T) => boolean;
  /** More buttons on a row. */
  rowActions?: (item: T, done: (message?: string) => void) => ComponentChildren;
}

/** Parses a JSON input into an object, or reports which field is wrong. */
export function jsonField(label: string, text: string): Record<string, unknown> | string {
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return `${label}: must be a JSON object`;
    return v as Record<string, unknown>;
  } catch (e) {
    return `${label}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Splits lines (or commas) into a list. */
export const lines = (s: string | undefined): string[] => (s ?? "").split(/\n|,(?![^{]*})/).map((x) => x.trim()).filter(Boolean);

function Input({ f, value, onChange }: { f: FieldSpec; value: string; onChange: (v: string) => void }) {
  const common = { name: f.key, required: f.required };
  switch (f.kind) {
    case "select":
      return (
        <select {...common} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          {(f.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o || "—"}
            </option>
          ))}
        </select>
      );
    case "lines":
    case "json":
      return <textarea {...common} class={f.kind === "json" ? "code" : ""} rows={f.kind === "json" ? 6 : 3} value={value} onInput={(e) => onChange(e.currentTarget.value)} />;
    case "checkbox":
      return <input type="checkbox" name={f.key} checked={value === "true"} onChange={(e) => onChange(e.currentTarget.checked ? "true" : "")} />;
    case "datetime":
      return <input {...common} type="datetime-local" value={value} onInput={(e) => onChange(e.currentTarget.value)} />;
    case "password":
      return <input {...common} type="password" autocomplete="new-password" value={value} onInput={(e) => onChange(e.currentTarget.value)} />;
    default:
      return <input {...common} value={value} onInput={(e) => onChange(e.currentTarget.value)} />;
  }
}

function ResourceForm<T>({ spec, item, onDone }: { spec: ResourceSpec<T>; item: T | undefined; onDone: (saved: boolean) => void }) {
  const [inputs, setInputs] = useState<Inputs>(() => (item ? spec.inputsOf(item) : { ...spec.blank }));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = spec.bodyOf(inputs, item);
    if (typeof body === "string") return setError(body);
    setBusy(true);
    setError(undefined);
    try {
      const [method, path] = item ? spec.update(item) : spec.create;
      await api(method, path, body);
      onDone(true);
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 404 || err.status === 405) && err.code !== "UPBEAT_BAD_REQUEST" ? `This server does not take ${spec.noun} changes over the API (${err.message}).` : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form inline-form" onSubmit={(e) => void submit(e)} aria-label={item ? `Edit ${spec.noun}` : `New ${spec.noun}`}>
      <div class="grid">
        {spec.fields
          .filter((f) => !(item && f.createOnly))
          .map((f) =>
            f.kind === "checkbox" ? (
              <label class="check" key={f.key}>
                <Input f={f} value={inputs[f.key] ?? ""} onChange={(v) => setInputs({ ...inputs, [f.key]: v })} /> {f.label}
              </label>
            ) : (
              <Field key={f.key} label={f.label} hint={f.hint} wide={f.wide}>
                <Input f={f} value={inputs[f.key] ?? ""} onChange={(v) => setInputs({ ...inputs, [f.key]: v })} />
              </Field>
            ),
          )}
      </div>
      <ErrorLine error={error} />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : item ? "Save" : `Create ${spec.noun}`}
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The list with its forms. */
export function ResourceEditor<T>({ spec, editable, intro }: { spec: ResourceSpec<T>; editable: boolean; intro?: ComponentChildren }) {
  const [items, setItems] = useState<T[]>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [editing, setEditing] = useState<string | "new" | undefined>();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    spec.list().then(
      (l) => {
        setItems(l);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, [version]);
  const done = (saved: boolean) => {
    setEditing(undefined);
    if (saved) setVersion((v) => v + 1);
  };
  const remove = async (item: T) => {
    if (!confirm(`Delete ${spec.noun} "${spec.keyOf(item)}"?`)) return;
    try {
      await api("DELETE", spec.remove(item));
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <main class="page">
      <Section
        title={spec.title}
        actions={
          editable && editing !== "new" ? (
            <button class="primary" onClick={() => setEditing("new")}>
              New {spec.noun}
            </button>
          ) : null
        }
      >
        {intro}
        {editing === "new" ? <ResourceForm spec={spec} item={undefined} onDone={done} /> : null}
        <ErrorLine error={error} />
        {note ? <p class="note" role="status">{note}</p> : null}
        {items && !items.length ? <p class="muted">None yet.</p> : null}
        <ul class="resources">
          {(items ?? []).map((item) => {
            const key = spec.keyOf(item);
            const writable = editable && (spec.writable?.(item) ?? true);
            return (
              <li key={key} class="resource">
                <div class="resource-row">
                  <b>{key}</b>
                  <span class="resource-summary">{spec.summary(item)}</span>
                  <span class="actions">
                    {spec.rowActions?.(item, (m) => setNote(m))}
                    {writable ? <button onClick={() => setEditing(editing === key ? undefined : key)}>{editing === key ? "Close" : "Edit"}</button> : null}
                    {writable ? (
                      <button class="danger" onClick={() => void remove(item)}>
                        Delete
                      </button>
                    ) : null}
                  </span>
                </div>
                {editing === key ? <ResourceForm spec={spec} item={item} onDone={done} /> : null}
              </li>
            );
          })}
        </ul>
      </Section>
    </main>
  );
}

/** GET a list out of its wrapper key. */
export const listOf = <T,>(path: string, key: string) => async (): Promise<T[]> => ((await get<Record<string, T[]>>(path))[key] ?? []);
