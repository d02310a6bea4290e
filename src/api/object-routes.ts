/** Pieces shared by the routes that manage API objects (channels, routes, maintenance windows). */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiObject } from "../config/api-objects.ts";
import type { LiveConfig } from "../config/live-config.ts";
import { ApiProblem } from "../config/object-specs.ts";
import { sendError } from "./app.ts";

/** What the object routes need. */
export interface ObjectRoutesDeps {
  /** The live configuration (undefined while starting). */
  live: () => LiveConfig | undefined;
}

/** Path parameters of `…/:name`. */
export type NameParams = { Params: { name: string } };

/** Who is writing, for the `author` field. */
export const authorOf = (req: FastifyRequest): string => req.principal?.name ?? "anonymous";

/** The audit fields of an API object. */
export const auditOf = (o: ApiObject | undefined) => (o ? { createdAt: new Date(o.createdAt).toISOString(), updatedAt: new Date(o.updatedAt).toISOString(), author: o.author } : {});

/** Runs a handler, turning a refused change into its error reply. */
export async function answer(reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ApiProblem) return sendError(reply, e.statusCode, e.code, e.message);
    throw e;
  }
}

/** The live configuration, or a 503 while starting. */
export function liveOr503(d: ObjectRoutesDeps, reply: FastifyReply): LiveConfig | undefined {
  const live = d.live();
  if (!live) void sendError(reply, 503, "UPBEAT_NOT_READY", "starting or stopping");
  return live;
}
