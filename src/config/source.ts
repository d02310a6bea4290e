/** A parsed configuration text that can say where any path in it is (line and column). */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { type ConfigProblem, formatPath } from "./problems.ts";

/** A parsed file: its plain value and a way to locate problems in it. */
export interface ParsedSource {
  /** File name used in problems. */
  file: string;
  /** The plain value (objects, arrays, scalars). */
  value: unknown;
  /** Parse errors (the value is unusable when there are any). */
  problems: ConfigProblem[];
  /** Builds a problem located at a path (at the key itself with `atKey`). */
  problemAt(segments: readonly (string | number)[], message: string, opts?: ProblemOptions): ConfigProblem;
}

/** Options when building a located problem. */
export interface ProblemOptions {
  /** Point at the key rather than the value (unknown keys). */
  atKey?: boolean;
  /** Severity; default `error`. */
  severity?: "error" | "warning";
}

function nodeRange(root: unknown, segments: readonly (string | number)[], atKey: boolean): [number, number] | undefined {
  let node: unknown = root;
  let last: [number, number] | undefined = (node as Node | undefined)?.range?.slice(0, 2) as [number, number] | undefined;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return last;
      const isLast = i === segments.length - 1;
      const target = isLast && atKey ? pair.key : (pair.value ?? pair.key);
      node = target;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
    } else {
      return last;
    }
    const r = (node as Node | undefined)?.range;
    if (r) last = [r[0], r[1]];
  }
  return last;
}

/** Parses YAML or JSON text (JSON is read by the YAML parser so that every node has a position). */
export function parseSource(file: string, text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const problemAt = (segments: readonly (string | number)[], message: string, opts: ProblemOptions = {}): ConfigProblem => {
    const range = nodeRange(doc.contents, segments, opts.atKey ?? false);
    const pos = range ? lineCounter.linePos(range[0]) : undefined;
    return { severity: opts.severity ?? "error", file, path: formatPath(segments), line: pos?.line, column: pos?.col, message };
  };
  const problems: ConfigProblem[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { severity: "error", file, path: "", line: pos.line, column: pos.col, message: e.message.split("\n")[0] ?? e.message };
  });
  const value = problems.length ? undefined : doc.toJS({ maxAliasCount: 100 });
  return { file, value, problems, problemAt };
}
