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
