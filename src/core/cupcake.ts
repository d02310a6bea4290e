/** Cupcake's view of a result (compat §1.4–§1.5): pure, shared by the retry rules and the message texts. */
import type { ProbeOutcome } from "./types.ts";

/**
 * What Cupcake would call a result: `OK`, `TIMEOUT`, `BAD`, or the HTTP status that did not match.
 * HTTP: any failure before a status (refused, DNS, TLS, timeout) is TIMEOUT. TCP: only a timeout is.
 */
export function cupcakeActual(kind: "http" | "tcp", o: ProbeOutcome): "OK" | "TIMEOUT" | "BAD" | string {
  if (o.ok && o.health !== "down") return "OK";
  if (kind === "http") {
    if (o.facts.statusCode === undefined) return "TIMEOUT";
    const status = o.assertions.find((a) => a.name === "status");
    return status && !status.ok ? String(o.facts.statusCode) : "BAD";
  }
  return o.failure === "timeout" ? "TIMEOUT" : "BAD";
}

/** Cupcake's threshold wording (`time 250ms greater than maximum 200ms`), when a time bound failed. */
export function cupcakeThresholdText(o: ProbeOutcome): string | undefined {
  const max = o.assertions.find((a) => a.name === "response time max" && !a.ok);
  if (max) return `time ${max.actual} greater than maximum ${max.expected.replace("<= ", "")}`;
  const min = o.assertions.find((a) => a.name === "response time min" && !a.ok);
  if (min) return `time ${min.actual} less than minimum ${min.expected.replace(">= ", "")}`;
  return undefined;
}

/** Cupcake's `repr` of an endpoint (compat §1.5): the four ids and the final URL, space separated. */
export function cupcakeRepr(key: readonly [string, string, string, string], url: string): string {
  return `${key.join(" ")} ${url}`;
}

/** Cupcake's failure message: the threshold wording, or `expected …, actual: …` (compat §1.5). */
export function cupcakeFailureMessage(repr: string, kind: "http" | "tcp", expected: string, last: ProbeOutcome): string {
  const threshold = cupcakeThresholdText(last);
  if (threshold) return `${repr} response ${threshold}`;
  return `${repr} expected ${expected}, actual: ${cupcakeActual(kind, last)}`;
}

/** Cupcake's recovery message, with its trailing newline. */
export function cupcakeRecoveryMessage(repr: string, durationText: string): string {
  return `${repr} now OK after ${durationText}\n`;
}
