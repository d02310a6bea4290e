/** Readable and JSON renderings of check results for the terminal. Pure. */
import type { Monitor } from "../config/model.ts";
import type { AttemptRecord, Observation, PhaseTimings } from "../core/types.ts";

/** ANSI styling, or none. */
export interface Style {
  /** Green. */
  ok(s: string): string;
  /** Red. */
  bad(s: string): string;
  /** Yellow. */
  warn(s: string): string;
  /** Dim. */
  dim(s: string): string;
  /** Bold. */
  bold(s: string): string;
}

const ansi = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
/** Styles for a colour terminal, or plain text. */
export function makeStyle(color: boolean): Style {
  const id = (s: string) => s;
  return color ? { ok: ansi(32), bad: ansi(31), warn: ansi(33), dim: ansi(2), bold: ansi(1) } : { ok: id, bad: id, warn: id, dim: id, bold: id };
}

/** The target of a monitor as one string. */
export function targetOf(m: Monitor): string {
  if (m.kind === "dns") return `${m.check.query} ${m.check.recordType ?? "A"} @${m.check.resolver ?? "system resolver"}`;
  if (m.kind === "heartbeat") return `heartbeat ${m.check.cron ?? m.check.period ?? "1d"}`;
  return m.check.url;
}

const fmt = (ms: number | undefined) => (ms === undefined ? undefined : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

/** `dns 0.12 ms · connect 0.31 ms · … · total 4.2 ms`. */
export function timingLine(t: PhaseTimings): string {
  const parts: [string, number | undefined][] = [["dns", t.dnsMs], ["connect", t.connectMs], ["tls", t.tlsMs], ["ttfb", t.ttfbMs], ["transfer", t.transferMs], ["total", t.totalMs]];
  return parts.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${fmt(v)} ms`).join(" · ");
}

function attemptLine(a: AttemptRecord): string {
  const what = a.ok ? a.health : `${a.failure ?? "failed"}${a.phase ? ` in ${a.phase}` : ""}`;
  return `#${a.attempt} ${what} ${fmt(a.timings.totalMs)} ms${a.reason && !a.ok ? ` (${a.reason})` : ""}`;
}

/** One monitor's result as the lines a person reads. */
export function renderResult(m: Monitor, o: Observation, s: Style): string {
  const badge = o.health === "up" ? s.ok("✔ UP      ") : o.health === "degraded" ? s.warn("▲ DEGRADED") : s.bad("✘ DOWN    ");
  const status = o.facts?.statusCode !== undefined ? ` ${s.bold(String(o.facts.statusCode))}` : "";
  const target = targetOf(m);
  const lines = [`${badge} ${s.bold(m.id)}${target === m.id ? "" : `  ${s.dim(target)}`}${status}`];
  if (o.reason) lines.push(`    ${o.health === "down" ? s.bad(o.reason) : s.warn(o.reason)}${o.phase && o.health === "down" ? s.dim(` [phase: ${o.phase}]`) : ""}`);
  if (o.timings) lines.push(`    ${s.dim("timings")}  ${timingLine(o.timings)}`);
  const cert = o.facts?.cert;
  if (cert) {
    const days = cert.daysLeft < 0 ? s.bad(`expired ${-cert.daysLeft} days ago`) : `${cert.daysLeft} days left`;
    lines.push(`    ${s.dim("cert")}     ${cert.subject} · issuer ${cert.issuer} · expires ${cert.validTo.slice(0, 10)} (${days})${cert.trusted ? "" : s.warn(` · not trusted: ${cert.trustError}`)}`);
  }
  if (o.facts?.rcode) lines.push(`    ${s.dim("dns")}      ${o.facts.rcode} ${(o.facts.records ?? []).map((r) => `${r.type} ${r.data}`).join(", ")}`);
  if (o.facts?.redirects?.length) lines.push(`    ${s.dim("redirects")} ${o.facts.redirects.join(" → ")}`);
  for (const a of o.assertions ?? []) {
    const mark = a.ok ? s.ok("✔") : a.severity === "degraded" ? s.warn("▲") : s.bad("✘");
    lines.push(`    ${mark} ${a.name}: expected ${a.expected}, got ${a.actual}`);
  }
  if ((o.attempts?.length ?? 0) > 1) lines.push(`    ${s.dim("attempts")} ${(o.attempts ?? []).map(attemptLine).join("; ")}`);
  if (o.health !== "up" && o.facts?.bodyExcerpt) lines.push(`    ${s.dim("body")}     ${JSON.stringify(o.facts.bodyExcerpt.slice(0, 300))}`);
  return lines.join("\n");
}

/** The machine form of one result. */
export function resultJson(m: Monitor, o: Observation): Record<string, unknown> {
  return { id: m.id, name: m.name, kind: m.kind, target: targetOf(m), ...o };
}
