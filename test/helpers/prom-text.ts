/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests: it throws, naming
 * the line, on anything Prometheus would refuse (bad names, bad escapes, values that are not
 * numbers, samples before their TYPE, a family split in two, a series twice, histogram buckets
 * that are not cumulative or do not end in +Inf = _count).
 */

/** One sample. */
export interface PromSample {
  /** Sample name (`x_bucket`, `x_sum`, …). */
  name: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Value. */
  value: number;
}

/** One family. */
export interface PromFamily {
  /** Family name. */
  name: string;
  /** Declared type (`untyped` when none). */
  type: string;
  /** HELP text, unescaped. */
  help: string;
  /** Samples, in order. */
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** A value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, prom-client writes `Nan`). */
function parseValue(s: string, where: string): number {
  const l = s.toLowerCase();
  if (l === "nan") return Number.NaN;
  if (l === "+inf" || l === "inf" || l === "+infinity" || l === "infinity") return Number.POSITIVE_INFINITY;
  if (l === "-inf" || l === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`${where}: "${s}" is not a number`);
  return Number(s);
}

/** Parses `{a="b",c="d"}` from `s` at `i` (just after `{`); returns the labels and the index after `}`. */
function parseLabels(s: string, i: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  for (;;) {
    if (s[i] === "}") return { labels, end: i + 1 };
    const eq = s.indexOf("=", i);
    const name = s.slice(i, eq);
    if (eq < 0 || !LABEL.test(name)) throw new Error(`${where}: bad label name "${name}"`);
    if (name in labels) throw new Error(`${where}: label "${name}" twice`);
    if (s[eq + 1] !== '"') throw new Error(`${where}: label value of "${name}" not quoted`);
    let v = "";
    let j = eq + 2;
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === "\n") throw new Error(`${where}: raw line feed in a label value`);
      if (s[j] !== "\\") {
        v += s[j];
        continue;
      }
      const e = s[++j];
      if (e === "\\") v += "\\";
      else if (e === '"') v += '"';
      else if (e === "n") v += "\n";
      else throw new Error(`${where}: bad escape \\${e ?? ""} in a label value`);
    }
    if (j >= s.length) throw new Error(`${where}: unterminated label value`);
    labels[name] = v;
    i = j + 1;
    if (s[i] === ",") i++;
    else if (s[i] !== "}") throw new Error(`${where}: expected , or } after a label`);
  }
}

function familyOf(sample: string, families: Map<string, PromFamily>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === "histogram" || (t === "summary" && suffix !== "_bucket")) return base;
  }
  return sample;
}

function checkHistogram(f: PromFamily): void {
  const series = new Map<string, PromSample[]>();
  const counts = new Map<string, number>();
  for (const s of f.samples) {
    const { le, quantile: _q, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      series.set(key, [...(series.get(key) ?? []), s]);
    } else if (s.name === `${f.name}_count`) counts.set(key, s.value);
  }
  for (const [key, buckets] of series) {
    let prev = Number.NEGATIVE_INFINITY;
    let prevCount = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le as string, f.name);
      if (le <= prev || b.value < prevCount) throw new Error(`${f.name}${key}: buckets not increasing`);
      prev = le;
      prevCount = b.value;
    }
    const last = buckets[buckets.length - 1];
    if (last?.labels.le !== "+Inf") throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (counts.get(key) !== last.value) throw new Error(`${f.name}${key}: +Inf bucket ${last.value} != _count ${counts.get(key)}`);
  }
}

/** Parses and checks a whole exposition. */
export function parsePromText(text: string): Map<string, PromFamily> {
  if (text.length && !text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  let current: string | undefined;
  text.split("\n").forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === "") return;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ""] = meta as unknown as [string, string, string, string | undefined];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
      const f = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (f.samples.length) throw new Error(`${where}: ${kind} of ${name} after its samples`);
      if (kind === "TYPE") {
        if (!TYPES.has(rest.trim())) throw new Error(`${where}: unknown type "${rest}"`);
        f.type = rest.trim();
      } else f.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      families.set(name, f);
      current = name;
      return;
    }
    if (line.startsWith("#")) return;
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad sample name "${name}"`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === "{") ({ labels, end: i } = parseLabels(line, i + 1, where));
    const parts = line.slice(i).trim().split(/\s+/);
    if (line[i] !== " " || parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected "value [timestamp]"`);
    const value = parseValue(parts[0] as string, `${where} (${line.slice(0, 120)})`);
    const fam = familyOf(name, families);
    if (fam !== current && families.get(fam)?.samples.length) throw new Error(`${where}: samples of ${fam} are not together`);
    const f = families.get(fam) ?? { name: fam, type: "untyped", help: "", samples: [] };
    families.set(fam, f);
    current = fam;
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: series ${key} twice`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  }
  return undefined;
}
