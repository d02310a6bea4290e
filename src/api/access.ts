/**
 * Who may call what. Every request to `/api/v1/*` needs a principal (a logged-in user or an API
 * key); reads need the viewer role, writes the editor role, unless the route says otherwise in
 * its `config.access`. Routes outside `/api/v1` are public unless they say otherwise (pings,
 * Lovebeat's API, status pages, badges, health). How a principal is found (session cookie,
 * API key) is the `Access` given to the app.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

/** Roles, weakest first. */
export const ROLES = ["viewer", "editor", "admin"] as const;
/** A user's role. */
export type Role = (typeof ROLES)[number];

/** Who is calling. */
export interface Principal {
  /** A logged-in user or an API key. */
  kind: "user" | "apiKey";
  /** User id (for a key: its owner's). */
  userId: string;
  /** User name, for audit fields (`author`). */
  name: string;
  /** The role in force. */
  role: Role;
  /** A read-only API key: any write is refused. */
  readOnly?: boolean;
}

/** What a route needs: public, or at least a role. */
export type RouteAccess = "public" | Role;

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the access hook on routes that need one. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route needs (default: viewer for reads and editor for writes under `/api/v1`, public elsewhere). */
    access?: RouteAccess;
  }
}

/** Finds the principal of a request, or refuses it (bad CSRF token, say) with a reply. */
export interface Access {
  /** The caller, undefined when anonymous; may send a reply itself (then the request stops there). */
  resolve(req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined>;
}

const rank = (r: Role): number => ROLES.indexOf(r);
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What a request needs, from its route config, method and path. */
export function neededAccess(req: FastifyRequest): RouteAccess {
  const configured = (req.routeOptions.config as { access?: RouteAccess } | undefined)?.access;
  if (configured) return configured;
  if (!req.url.startsWith("/api/v1/") && req.url !== "/api/v1") return "public";
  return READS.has(req.method) ? "viewer" : "editor";
}

/** An onRequest hook enforcing `neededAccess` with `access`. */
export function accessHook(access: Access) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const needed = neededAccess(req);
    const principal = await access.resolve(req, reply);
    if (reply.sent) return;
    if (principal) req.principal = principal;
    if (needed === "public") return;
    if (!principal) {
      await reply.code(401).send({ code: "UPBEAT_UNAUTHENTICATED", message: "log in or send an API key (Authorization: Bearer …)", statusCode: 401 });
      return;
    }
    if (principal.readOnly && !READS.has(req.method)) {
      await reply.code(403).send({ code: "UPBEAT_READ_ONLY_KEY", message: "this API key is read-only", statusCode: 403 });
      return;
    }
    if (rank(principal.role) < rank(needed)) {
      await reply.code(403).send({ code: "UPBEAT_FORBIDDEN", message: `this needs the ${needed} role; you are ${principal.role}`, statusCode: 403 });
    }
  };
}

/** Everyone is `role` (for tests of routes, and embedding without users). */
export function openAccess(role: Role = "admin", name = "test"): Access {
  return { resolve: async () => ({ kind: "user", userId: name, name, role }) };
}
