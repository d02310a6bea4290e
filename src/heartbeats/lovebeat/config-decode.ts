/** Typed decoding of parsed TOML tables the way BurntSushi/toml fills Lovebeat's structs, with every problem reported. */
import { formatPath, suggestKey, type ConfigProblem } from "../../config/problems.ts";
import { locateTomlKey } from "./config-locate.ts";

/** A path inside a TOML document: keys and array indexes. */
export type TomlPath = readonly (string | number)[];

/** The kind of value a field takes. */
export type FieldKind = "string" | "int" | "strings";

/** Fields of one table: TOML key → [property name, kind]. */
export type TableSchema = Readonly<Record<string, readonly [prop: string, kind: FieldKind]>>;

/** Problems of one file, located in its text where possible. */
export class FileProblems {
  constructor(
    /** The file's name, as given. */
    readonly file: string,
    private readonly text: string,
    private readonly out: ConfigProblem[],
  ) {}

  /** Records a problem at `path`, with the line and column of the key when it can be found. */
  report(severity: ConfigProblem["severity"], path: TomlPath, message: string): void {
    const at = path.length > 0 ? locateTomlKey(this.text, path) : undefined;
    const problem: ConfigProblem = { severity, file: this.file, path: formatPath(path), message };
    if (at) {
      problem.line = at.line;
      problem.column = at.column;
    }
    this.out.push(problem);
  }
}

/** A key as written matched to a known one: exactly, else ignoring case (Go's `strings.EqualFold`, as the decoder does). */
export function matchKey(raw: string, known: readonly string[]): string | undefined {
  return known.find((k) => k === raw) ?? known.find((k) => k.toLowerCase() === raw.toLowerCase());
}

/** Whether a parsed TOML value is a table. */
export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A TOML value in words, for "expected …, got …" messages. */
export function describeToml(v: unknown): string {
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `integer ${v}` : `float ${v}`;
  if (typeof v === "boolean") return `boolean ${v}`;
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  return "a date-time";
}

/** Warns about an unknown key, with the closest known key as a hint. */
export function unknownKey(ctx: FileProblems, path: TomlPath, raw: string, known: readonly string[], what: string): void {
  const hint = suggestKey(raw, known);
  ctx.report("warning", path, `unknown key in ${what}, ignored${hint ? ` (did you mean "${hint}"?)` : ""}`);
}

function decodeValue(v: unknown, kind: FieldKind, path: TomlPath, ctx: FileProblems): unknown {
  if (kind === "string") {
    if (typeof v === "string") return v;
    ctx.report("error", path, `expected a string, got ${describeToml(v)}`);
    return undefined;
  }
  if (kind === "int") {
    if (typeof v === "number" && Number.isSafeInteger(v)) return v;
    ctx.report("error", path, `expected an integer, got ${describeToml(v)}`);
    return undefined;
  }
  if (!Array.isArray(v)) {
    ctx.report("error", path, `expected an array of strings, got ${describeToml(v)}`);
    return undefined;
  }
  const bad = v.findIndex((x) => typeof x !== "string");
  if (bad >= 0) {
    ctx.report("error", [...path, bad], `expected a string, got ${describeToml(v[bad])}`);
    return undefined;
  }
  return [...(v as string[])];
}

/**
 * Decodes the fields of `schema` present in `raw` (any key case). Returns the decoded values by
 * property name (wrong types left out and reported as errors) and the TOML keys that were set;
 * unknown keys are warnings, as Lovebeat ignores them.
 */
export function decodeTable(raw: Record<string, unknown>, schema: TableSchema, path: TomlPath, ctx: FileProblems, what: string): { values: Record<string, unknown>; keys: string[] } {
  const known = Object.keys(schema);
  const values: Record<string, unknown> = {};
  const keys: string[] = [];
  for (const [rawKey, v] of Object.entries(raw)) {
    const key = matchKey(rawKey, known);
    if (key === undefined) {
      unknownKey(ctx, [...path, rawKey], rawKey, known, what);
      continue;
    }
    const [prop, kind] = schema[key] as readonly [string, FieldKind];
    const decoded = decodeValue(v, kind, [...path, rawKey], ctx);
    keys.push(key);
    if (decoded !== undefined) values[prop] = decoded;
  }
  return { values, keys };
}

/** Decodes an array of tables (`[[alarms]]`, `[[notify]]`); each element decoded with {@link decodeTable}. */
export function decodeTableArray(raw: unknown, schema: TableSchema, path: TomlPath, ctx: FileProblems, what: string): Array<{ values: Record<string, unknown>; keys: string[] }> | undefined {
  if (!Array.isArray(raw)) {
    ctx.report("error", path, `expected an array of tables ([[${String(path[path.length - 1])}]]), got ${describeToml(raw)}`);
    return undefined;
  }
  const out: Array<{ values: Record<string, unknown>; keys: string[] }> = [];
  raw.forEach((el: unknown, i) => {
    if (isTable(el)) out.push(decodeTable(el, schema, [...path, i], ctx, what));
    else {
      ctx.report("error", [...path, i], `expected a table, got ${describeToml(el)}`);
      out.push({ values: {}, keys: [] });
    }
  });
  return out;
}
