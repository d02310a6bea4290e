/** Checks a value against a schema and reports every problem with its location and a readable message. */
import { Kind, type TSchema } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import type { ConfigProblem } from "./problems.ts";
import { suggestKey } from "./problems.ts";
import type { ParsedSource } from "./source.ts";

type Segments = (string | number)[];

function pointerToSegments(pointer: string, value: unknown): Segments {
  if (!pointer) return [];
  const out: Segments = [];
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const seg = Array.isArray(cur) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[String(seg)] : undefined;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return String(value);
}

function messageFor(e: ValueError): string {
  const custom = (e.schema as { errorMessage?: string }).errorMessage;
  const got = `, got ${describe(e.value)}`;
  // A missing key is missing, whatever its schema's own message says about a wrong value.
  if (custom && e.type !== ValueErrorType.ObjectRequiredProperty) return `${custom}${got}`;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.StringPattern:
      return `${describe(e.value)} does not match the expected form ${e.schema.pattern}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(e.schema.const)}${got}`;
    default:
      return `${e.message.toLowerCase()}${got}`;
  }
}

/** The single object-shaped member of a union, when the value is an object and there is one. */
function objectVariant(schema: TSchema, value: unknown): TSchema | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf ?? [];
  const objects = anyOf.filter((s) => s[Kind] === "Object" || s[Kind] === "Record");
  return objects.length === 1 ? objects[0] : undefined;
}

/** Validates `value` (found at `base` in `src`) against `schema`; returns located problems, all at once. */
export function validateAt(
  src: ParsedSource,
  base: Segments,
  schema: TSchema,
  value: unknown,
  unknownKeys: "error" | "warning" = "error",
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    const segs = [...base, ...pointerToSegments(e.path, value)];
    if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const key = String(segs[segs.length - 1]);
      const known = Object.keys((e.schema as { properties?: object }).properties ?? {});
      const hint = suggestKey(key, known);
      const msg = `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : `; expected one of: ${known.join(", ")}`}`;
      problems.push(src.problemAt(segs, msg, { atKey: true, severity: unknownKeys }));
      continue;
    }
    if (e.type === ValueErrorType.Union) {
      const variant = objectVariant(e.schema, e.value);
      if (variant) {
        problems.push(...validateAt(src, segs, variant, e.value, unknownKeys));
        continue;
      }
    }
    // A missing key's pointer names the key; point at the object that lacks it.
    const at = e.type === ValueErrorType.ObjectRequiredProperty ? segs.slice(0, -1) : segs;
    const p = src.problemAt(at, messageFor(e));
    problems.push(e.type === ValueErrorType.ObjectRequiredProperty ? { ...p, path: p.path ? `${p.path}.${String(segs.at(-1))}` : String(segs.at(-1)) } : p);
  }
  return problems;
}
