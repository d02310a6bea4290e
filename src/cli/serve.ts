/**
 * `upbeat serve` (the default command). Loads and validates the configuration, then serves the
 * health endpoints. Scheduling, state and the API arrive with the engine.
 */
import { createServer } from "node:http";
import { once } from "node:events";
import { loadFiles } from "../config/load.ts";
import { formatProblem, hasErrors } from "../config/problems.ts";
import { errorMessage } from "../lib/errors.ts";
import { createLogger } from "../lib/logger.ts";

/** Settings of `upbeat serve`. */
export interface ServeOptions {
  /** Configuration files (none: an empty instance). */
  files: string[];
  /** `host:port` to listen on. */
  listen: string;
  /** Data directory. */
  dataDir: string;
}

/** Splits `host:port` (`[::1]:8080` for IPv6); a bare port means 127.0.0.1. */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen) ?? /^()()(\d{1,5})$/.exec(listen);
  if (!m || Number(m[3]) > 65535) return undefined;
  return { host: m[1] || m[2] || "127.0.0.1", port: Number(m[3]) };
}

/** Runs until `signal` aborts; returns the exit code. */
export async function serveCommand(o: ServeOptions, io: { env: Readonly<Record<string, string | undefined>>; out: (s: string) => void; err: (s: string) => void; signal: AbortSignal }): Promise<number> {
  const log = createLogger(io.env);
  const addr = parseListen(o.listen);
  if (!addr) {
    io.err(`upbeat: --listen "${o.listen}" is not host:port`);
    return 2;
  }
  const { config, problems } = await loadFiles(o.files, { env: io.env });
  for (const p of problems) io.err(formatProblem(p));
  if (hasErrors(problems)) return 2;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/readyz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", monitors: config.monitors.length }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ code: "UPBEAT_NOT_FOUND", message: `no route ${path}`, statusCode: 404 }));
  });
  try {
    server.listen(addr.port, addr.host);
    await once(server, "listening");
  } catch (e) {
    io.err(`upbeat: cannot listen on ${o.listen}: ${errorMessage(e)}`);
    return 1;
  }
  const bound = server.address();
  log.info({ listen: typeof bound === "object" && bound ? `${bound.address}:${bound.port}` : o.listen, monitors: config.monitors.length, files: o.files }, "upbeat serving");
  if (!io.signal.aborted) await once(io.signal, "abort");
  log.info("upbeat stopping");
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return 0;
}
