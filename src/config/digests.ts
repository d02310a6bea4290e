/** The `digests` section: each digest's schedule, time zone and matchers checked, defaults applied. */
import { Value } from "@sinclair/typebox/value";
import { parseMatcher } from "../alerting/routes.ts";
import { compileCron } from "../heartbeats/cron.ts";
import type { DigestConfig } from "./model.ts";
import type { ConfigProblem } from "./problems.ts";
import { DIGEST_DEFAULTS, DigestSpec } from "./schema/digests.ts";
import type { ParsedSource } from "./source.ts";

/** The digests of a native file (their shape is checked with the file); problems of meaning are added to `problems`. */
export function digestsOf(src: ParsedSource, raw: unknown, problems: ConfigProblem[]): DigestConfig[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: DigestConfig[] = [];
  const names = new Map<string, number>();
  raw.forEach((item, i) => {
    if (!Value.Check(DigestSpec, item)) return;
    const d = { ...DIGEST_DEFAULTS, ...item };
    const before = problems.length;
    const first = names.get(d.name);
    if (first !== undefined) problems.push(src.problemAt(["digests", i, "name"], `digest "${d.name}" is already defined at digests[${first}]`));
    names.set(d.name, first ?? i);
    const cron = compileCron(d.cron, d.timezone);
    if ("error" in cron) problems.push(src.problemAt(["digests", i, cron.error.startsWith("unknown time zone") ? "timezone" : "cron"], cron.error));
    (d.matchers ?? []).forEach((text, j) => {
      const m = parseMatcher(text);
      if ("error" in m) problems.push(src.problemAt(["digests", i, "matchers", j], m.error));
    });
    if (problems.length > before) return;
    out.push({ name: d.name, channels: d.channels, cron: d.cron, timezone: d.timezone, matchers: d.matchers ?? [], worst: d.worst, file: src.file, path: `digests[${i}]` });
  });
  return out;
}
