/** Configuration problems: collected all at once, each with where it is and what to do. */

/** One problem found in a configuration source. */
export interface ConfigProblem {
  /** `error` stops the load; `warning` is printed and the load goes on. */
  severity: "error" | "warning";
  /** File (or `env` for environment variables). */
  file: string;
  /** Path inside the file, e.g. `groups[0].monitors[2].url`; empty for the whole file. */
  path: string;
  /** 1-based line, where known. */
  line?: number;
  /** 1-based column, where known. */
  column?: number;
  /** What is wrong, in words. */
  message: string;
}

/** Renders a path of keys and indexes as `a.b[0].c`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_@$][\w@$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** One problem as a line: `file:line:col path: message`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const tag = p.severity === "warning" ? "warning: " : "";
  return `${where} ${tag}${p.path ? `${p.path}: ` : ""}${p.message}`;
}

/** Whether any problem is an error. */
export function hasErrors(problems: readonly ConfigProblem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

const fold = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");

/** The known key closest to an unknown one, if it is close enough to be a likely typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const folded = fold(unknown);
  const exact = known.find((k) => fold(k) === folded);
  if (exact) return exact;
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = levenshtein(folded, fold(k));
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  const limit = Math.max(2, Math.floor(unknown.length / 3));
  return bestDist <= limit ? best : undefined;
}
