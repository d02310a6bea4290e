/** HTTP response assertions: pure functions from a response's facts to assertion results. */
import type { AssertionOperator } from "../config/schema/common.ts";
import type { HttpExpectInput } from "../config/schema/checks.ts";
import type { AssertionResult } from "./types.ts";

/** Whether `code` is accepted by one status spec: `200`, `2xx`, `200-299`. */
export function statusMatches(code: number, spec: number | string): boolean {
  if (typeof spec === "number") return code === spec;
  const cls = /^([1-5])xx$/.exec(spec);
  if (cls) return Math.floor(code / 100) === Number(cls[1]);
  const range = /^(\d{3})-(\d{3})$/.exec(spec);
  if (range) return code >= Number(range[1]) && code <= Number(range[2]);
  return String(code) === spec;
}

/** Cupcake's rule: a regex matched at the start of the decimal status code (Python `re.match`). */
export function statusRegexMatches(code: number, source: string): boolean {
  return new RegExp(`^(?:${source})`).test(String(code));
}

/** The status assertion: Cupcake's regex when given, else the list (default `2xx`). */
export function statusAssertion(code: number, expect: HttpExpectInput): AssertionResult {
  if (expect.statusRegex !== undefined) {
    return { name: "status", ok: statusRegexMatches(code, expect.statusRegex), severity: "down", expected: `/${expect.statusRegex}/`, actual: String(code) };
  }
  const specs = expect.status?.length ? expect.status : ["2xx"];
  return { name: "status", ok: specs.some((s) => statusMatches(code, s)), severity: "down", expected: specs.join(", "), actual: String(code) };
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const excerpt = (s: string) => (s.length > 80 ? `${JSON.stringify(s.slice(0, 80))}…` : JSON.stringify(s));

/** Body text assertions. */
export function bodyAssertions(body: string, e: HttpExpectInput): AssertionResult[] {
  const out: AssertionResult[] = [];
  for (const s of list(e.bodyContains)) out.push({ name: `body contains ${JSON.stringify(s)}`, ok: body.includes(s), severity: "down", expected: "present", actual: `body ${excerpt(body)}` });
  for (const s of list(e.bodyNotContains)) out.push({ name: `body does not contain ${JSON.stringify(s)}`, ok: !body.includes(s), severity: "down", expected: "absent", actual: "present" });
  if (e.bodyMatches !== undefined) out.push({ name: `body matches /${e.bodyMatches}/`, ok: new RegExp(e.bodyMatches).test(body), severity: "down", expected: "a match", actual: `body ${excerpt(body)}` });
  if (e.bodyNotMatches !== undefined) {
    const m = new RegExp(e.bodyNotMatches).exec(body);
    out.push({ name: `body does not match /${e.bodyNotMatches}/`, ok: !m, severity: "down", expected: "no match", actual: m ? `matched ${JSON.stringify(m[0])}` : "no match" });
  }
  return out;
}

/** Splits `$.a.b[0]["c d"].length` into keys and indexes. */
export function parseJsonPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.?([^.[\]]+)|\[(\d+)\]|\[(["'])(.*?)\3\]/g;
  const body = path.replace(/^\$/, "");
  for (const m of body.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[4] ?? "");
  }
  return out;
}

/** The value at a path, or `undefined`; `length` of arrays and strings is available as a key. */
export function resolveJsonPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const seg of parseJsonPath(path)) {
    if (cur === null || cur === undefined) return undefined;
    if (seg === "length" && (Array.isArray(cur) || typeof cur === "string")) cur = cur.length;
    else if (typeof cur === "object") cur = (cur as Record<string | number, unknown>)[seg];
    else return undefined;
  }
  return cur;
}

const show = (v: unknown): string => (v === undefined ? "(absent)" : typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Applies an operator to an actual and an expected value. */
export function compare(actual: unknown, op: AssertionOperator, expected: unknown): boolean {
  switch (op) {
    case "exists":
      return actual !== undefined;
    case "not-exists":
      return actual === undefined;
    case "==":
    case "!=": {
      const same = JSON.stringify(actual) === JSON.stringify(expected) || (actual !== undefined && typeof actual !== "object" && String(actual) === String(expected));
      return op === "==" ? same : !same;
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const a = Number(actual);
      const b = Number(expected);
      if (actual === undefined || actual === null || Number.isNaN(a) || Number.isNaN(b)) return false;
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
    case "contains":
    case "not-contains": {
      const has = Array.isArray(actual) ? actual.some((x) => compare(x, "==", expected)) : typeof actual === "string" && actual.includes(String(expected));
      return op === "contains" ? has : actual !== undefined && !has;
    }
    case "matches":
    case "not-matches": {
      if (actual === undefined) return false;
      const hit = new RegExp(String(expected)).test(typeof actual === "string" ? actual : JSON.stringify(actual));
      return op === "matches" ? hit : !hit;
    }
  }
}

/** JSON body assertions; a body that is not JSON fails each of them, saying so. */
export function jsonAssertions(body: string, e: HttpExpectInput): AssertionResult[] {
  if (!e.json?.length) return [];
  let doc: unknown;
  let parseError: string | undefined;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    parseError = `body is not JSON (${(err as Error).message})`;
  }
  return e.json.map((a) => {
    const op = a.op ?? "==";
    const actual = parseError ? undefined : resolveJsonPath(doc, a.path);
    const expected = op === "exists" || op === "not-exists" ? op : `${op} ${show(a.value)}`;
    return { name: `json ${a.path}`, ok: !parseError && compare(actual, op, a.value), severity: a.severity ?? "down", expected, actual: parseError ?? show(actual) };
  });
}

/** Response header assertions (names case-insensitive). */
export function headerAssertions(headers: Record<string, string>, e: HttpExpectInput): AssertionResult[] {
  return (e.headers ?? []).map((a) => {
    const op = a.op ?? "==";
    const actual = headers[a.name.toLowerCase()];
    const expected = op === "exists" || op === "not-exists" ? op : `${op} ${show(a.value)}`;
    return { name: `header ${a.name}`, ok: compare(actual, op, a.value), severity: a.severity ?? "down", expected, actual: show(actual) };
  });
}
