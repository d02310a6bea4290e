/**
 * The error handler of the status page and badge routes: the one error shape, with validation
 * failures naming the field (`body/sections/0/monitors: …`, `body/extra: unknown property`) and
 * rate-limit refusals as 429 `UPBEAT_RATE_LIMITED`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { sendError } from "./app.ts";

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** A validation failure in words, naming the field. */
export function validationMessage(context: string, errors: readonly AjvError[]): string {
  const e = errors[0];
  if (!e) return `${context} is invalid`;
  const path = `${context}${e.instancePath}`;
  if (e.keyword === "additionalProperties") return `${path}/${String(e.params.additionalProperty)}: unknown property`;
  if (e.keyword === "required") return `${path}/${String(e.params.missingProperty)}: required`;
  if (e.keyword === "minProperties") return `${path}: give at least one field to change`;
  // A union (anyOf) reports each branch; the first concrete complaint is the useful one.
  const concrete = errors.find((x) => x.keyword !== "anyOf" && x.instancePath === e.instancePath) ?? e;
  return `${path}: ${concrete.message ?? "is invalid"}`;
}

/** The handler, for `setErrorHandler` on the routes' scope. */
export function statusErrorHandler(log: Logger) {
  return (err: FastifyError & { validationContext?: string }, _req: FastifyRequest, reply: FastifyReply) => {
    if (err.validation) return sendError(reply, 400, "UPBEAT_BAD_REQUEST", validationMessage(err.validationContext ?? "body", err.validation as unknown as AjvError[]));
    if (err.statusCode === 429) return sendError(reply, 429, "UPBEAT_RATE_LIMITED", err.message || "too many requests; slow down");
    if (err.statusCode === 413) return sendError(reply, 413, "UPBEAT_TOO_LARGE", err.message);
    if (err.statusCode && err.statusCode < 500) return sendError(reply, err.statusCode, "UPBEAT_BAD_REQUEST", err.message);
    log.error({ err: err.message }, "request failed");
    return sendError(reply, 500, "UPBEAT_INTERNAL", "internal error; see the server log");
  };
}
