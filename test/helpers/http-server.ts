/** A real HTTP(S) server on loopback for tests, recording every request it receives. */
import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

/** A request as the server saw it. */
export interface SeenRequest {
  /** Method. */
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Headers (lower-case names). */
  headers: http.IncomingHttpHeaders;
  /** Body text. */
  body: string;
}

/** A running test server. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Port. */
  port: number;
  /** Requests seen so far. */
  requests: SeenRequest[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0; with `tls` it speaks HTTPS. */
export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  tls?: https.ServerOptions,
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (bound then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
