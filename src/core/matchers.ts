/** Label matchers (`label=value`, `!=`, `=~`, `!~`), shared by routes, silences and maintenance windows. Pure. */
import type { Monitor } from "../config/model.ts";

/** One matcher: `label=value`, `label!=value`, `label=~regex`, `label!~regex` (regexes anchored). */
export interface Matcher {
  /** Label name. */
  label: string;
  /** Operator. */
  op: "=" | "!=" | "=~" | "!~";
  /** Value or regex source. */
  value: string;
  /** Compiled, for regex operators. */
  regex?: RegExp;
}

/** Parses `label=value`, `label!=value`, `label=~re`, `label!~re`; an error names what is wrong. */
export function parseMatcher(text: string): Matcher | { error: string } {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) return { error: `matcher "${text}" is not label=value, label!=value, label=~regex or label!~regex` };
  const [, label, op, raw] = m as unknown as [string, string, Matcher["op"], string];
  const value = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (op === "=~" || op === "!~") {
    try {
      return { label, op, value, regex: new RegExp(`^(?:${value})$`) };
    } catch (e) {
      return { error: `matcher "${text}": invalid regular expression: ${(e as Error).message}` };
    }
  }
  return { label, op, value };
}

/** Whether one matcher accepts the labels (a missing label is the empty string, as in Alertmanager). */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.label] ?? "";
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return (m.regex as RegExp).test(v);
    case "!~":
      return !(m.regex as RegExp).test(v);
  }
}


/** Whether every matcher accepts the labels (no matchers: everything). */
export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return ms.every((m) => matches(m, labels));
}

/** A monitor's labels as matchers see them: its own, plus `monitor`, `name`, `group` (a/b), `kind`, `source`. */
export function monitorLabels(m: Monitor): Record<string, string> {
  return { ...m.settings.labels, monitor: m.id, name: m.name, group: m.groupPath.join("/"), kind: m.kind, source: m.source.format };
}
