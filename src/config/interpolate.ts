/** `${VAR}` and `${VAR:-default}` in string values, filled from the environment (for secrets). */
import type { ConfigProblem } from "./problems.ts";
import type { ParsedSource } from "./source.ts";

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Returns a copy of `value` with every string interpolated. `$$` stands for a literal `$`.
 * A variable that is unset and has no default is a problem at its path.
 */
export function interpolate(
  src: ParsedSource,
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === "string") {
    if (!value.includes("$")) return value;
    return value.replace(REF, (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === "$$") return "$";
      const v = env[name as string];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      problems.push(src.problemAt(path, `environment variable ${name} is not set (write \${${name}:-default} to give a default)`));
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(src, v, env, problems, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(src, v, env, problems, [...path, k]);
    return out;
  }
  return value;
}
