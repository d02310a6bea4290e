/**
 * A bare fastify server for benchmarks: `GET|HEAD|POST /ping/*` answered `OK` at once, nothing
 * stored; the ceiling Upbeat's ping endpoint is compared with. Args: JSON `{ capMs }`; listens on
 * 127.0.0.1, port 0; reports `ready { port }`, and `stopped { requests }` when stopped.
 */
import Fastify from "fastify";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as { capMs: number };
  let requests = 0;
  const app = Fastify({ logger: false });
  app.route({
    method: ["GET", "HEAD", "POST"],
    url: "/ping/*",
    handler: async (_req, reply) => {
      requests++;
      return reply.header("content-type", "text/plain; charset=utf-8").send("OK");
    },
  });
  boundLifetime(cfg.capMs, () => {
    void app.close().finally(() => process.send?.({ type: "stopped", requests }, () => process.exit(0)));
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  toParent({ type: "ready", port: typeof addr === "object" && addr ? addr.port : 0 });
}

main().catch(fail);
