/** A small real SMTP server on 127.0.0.1:0 that speaks just enough ESMTP to test STARTTLS clients. */
import net, { type AddressInfo, type Socket } from "node:net";
import { TLSSocket, createSecureContext } from "node:tls";
import type { Pem } from "./certs.ts";

/** How the test server behaves. */
export interface SmtpStartTlsServerOptions {
  /** Certificate and key the connection is upgraded with. */
  tls: Pem;
  /** Advertise STARTTLS in the EHLO reply (default true). */
  advertiseStartTls?: boolean;
  /** Answer STARTTLS with 454 instead of upgrading. */
  refuseStartTls?: boolean;
  /** Never send the 220 greeting (a server that hangs). */
  silent?: boolean;
}

/** A running test server. */
export interface SmtpStartTlsServer {
  /** Port it listens on (127.0.0.1). */
  port: number;
  /** Every command line received, in order, before and after the upgrade. */
  commands: string[];
  /** TCP connections not yet closed (to check that a client let go). */
  openConnections: () => number;
  /** Closes the server and destroys every connection. */
  close: () => Promise<void>;
}

const ignore = (): void => {};

/** The reply to EHLO: multi-line, STARTTLS only before the upgrade and only when advertised. */
function ehloReply(o: SmtpStartTlsServerOptions, secured: boolean): string {
  const keywords = ["PIPELINING", "SIZE 10240000", "8BITMIME"];
  if (!secured && o.advertiseStartTls !== false) keywords.push("STARTTLS");
  const lines = ["localhost greets you", ...keywords];
  return lines.map((l, i) => `250${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join("");
}

/** Serves one connection (plain, or already upgraded) line by line. */
function serve(sock: Socket, o: SmtpStartTlsServerOptions, commands: string[], secured: boolean): void {
  let buf = "";
  const onData = (chunk: Buffer): void => {
    buf += chunk.toString("latin1");
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      commands.push(line);
      const verb = (line.split(" ")[0] ?? "").toUpperCase();
      if (verb === "STARTTLS" && !secured && !o.refuseStartTls) {
        // Stop reading in clear text: the next bytes are the client's TLS hello.
        sock.off("data", onData);
        sock.write("220 2.0.0 Ready to start TLS\r\n");
        const secure = new TLSSocket(sock, { isServer: true, secureContext: createSecureContext({ cert: o.tls.cert, key: o.tls.key }) });
        secure.on("error", ignore);
        serve(secure, o, commands, true);
        return;
      }
      sock.write(reply(verb, o, secured));
      if (verb === "QUIT") sock.end();
    }
  };
  sock.on("data", onData);
}

/** The reply to one command other than an accepted STARTTLS. */
function reply(verb: string, o: SmtpStartTlsServerOptions, secured: boolean): string {
  switch (verb) {
    case "EHLO":
      return ehloReply(o, secured);
    case "HELO":
      return "250 localhost\r\n";
    case "STARTTLS":
      return secured ? "503 5.5.1 TLS already active\r\n" : "454 4.7.0 TLS not available due to temporary reason\r\n";
    case "NOOP":
      return "250 2.0.0 OK\r\n";
    case "QUIT":
      return "221 2.0.0 Bye\r\n";
    default:
      return "502 5.5.2 Command not recognized\r\n";
  }
}

/** Starts the server on 127.0.0.1 with a free port. */
export async function startSmtpStartTlsServer(o: SmtpStartTlsServerOptions): Promise<SmtpStartTlsServer> {
  const commands: string[] = [];
  const open = new Set<Socket>();
  const server = net.createServer((sock) => {
    open.add(sock);
    sock.on("close", () => open.delete(sock));
    sock.on("error", ignore);
    serve(sock, o, commands, false);
    if (!o.silent) sock.write("220 localhost ESMTP upbeat-test\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    openConnections: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
