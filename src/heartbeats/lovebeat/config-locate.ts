/** Finds the line of a key in a TOML text, so config problems can say `file:line:col` (best effort). */

/** 1-based position of a key or table header. */
export interface TomlPosition {
  /** 1-based line. */
  line: number;
  /** 1-based column of the first non-blank character. */
  column: number;
}

interface Header {
  /** Normalised table name, e.g. `alerts.hook`. */
  name: string;
  /** 0-based line index. */
  index: number;
  /** `[[name]]` (array of tables) or `[name]`. */
  array: boolean;
}

const HEADER_RE = /^\s*(\[\[?)([^\]]*)\]\]?/;
const norm = (s: string) => s.replace(/["'\s]/g, "").toLowerCase();
const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");

function headers(lines: readonly string[]): Header[] {
  const out: Header[] = [];
  lines.forEach((line, index) => {
    const m = HEADER_RE.exec(line);
    if (m) out.push({ name: norm(m[2] ?? ""), index, array: m[1] === "[[" });
  });
  return out;
}

function position(lines: readonly string[], index: number): TomlPosition {
  const text = lines[index] ?? "";
  return { line: index + 1, column: text.length - text.trimStart().length + 1 };
}

/** The first line in [from, to) that assigns `key` (bare or quoted, any case). */
function findKey(lines: readonly string[], key: string, from: number, to: number): number | undefined {
  const re = new RegExp(`^\\s*["']?${escape(key)}["']?\\s*=`, "i");
  for (let i = from; i < to; i++) if (re.test(lines[i] ?? "")) return i;
  return undefined;
}

/**
 * Where `path` (`["database", "interval"]`, `["alarms", 2, "name"]`, `["alerts", "hook", "mail"]`,
 * `["public_url"]`) is written in `text`: the key's line, else its table header, else undefined.
 */
export function locateTomlKey(text: string, path: readonly (string | number)[]): TomlPosition | undefined {
  const lines = text.split(/\r?\n/);
  const hs = headers(lines);
  const endOf = (h: Header) => hs.find((x) => x.index > h.index)?.index ?? lines.length;
  const topEnd = hs[0]?.index ?? lines.length;
  const [first, second, third] = path;
  if (typeof first !== "string") return undefined;
  let table: Header | undefined;
  let key: string | undefined;
  if (typeof second === "number") {
    table = hs.filter((h) => h.array && h.name === norm(first))[second];
    key = typeof third === "string" ? third : undefined;
  } else if (typeof second === "string" && typeof third === "string") {
    table = hs.find((h) => !h.array && h.name === norm(`${first}.${second}`));
    key = third;
  } else if (typeof second === "string") {
    table = hs.find((h) => !h.array && h.name === norm(`${first}.${second}`));
    if (!table) {
      table = hs.find((h) => h.name === norm(first));
      key = second;
    }
  }
  if (table) {
    const at = key === undefined ? undefined : findKey(lines, key, table.index + 1, endOf(table));
    return position(lines, at ?? table.index);
  }
  const top = findKey(lines, first, 0, topEnd) ?? hs.find((h) => h.name === norm(first))?.index;
  return top === undefined ? undefined : position(lines, top);
}
