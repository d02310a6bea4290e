/** A real SMTP server (smtp-server) on 127.0.0.1:0 for tests, recording every message it accepts. */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One accepted message. */
export interface ReceivedMail {
  /** Envelope sender. */
  from: string;
  /** Envelope recipients. */
  to: string[];
  /** The raw message (headers and body). */
  raw: string;
}

/** A running SMTP server. */
export interface TestSmtp {
  /** Port. */
  port: number;
  /** Messages accepted so far. */
  messages: ReceivedMail[];
  /** Stops it. */
  close(): Promise<void>;
}

/** Starts a plain (no TLS, no auth) SMTP server. */
export async function startSmtp(): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const from = session.envelope.mailFrom;
        messages.push({ from: from ? from.address : "", to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.server.address() as AddressInfo).port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Quoted-printable soft breaks and escapes undone, enough to search a message's text. */
export function mailText(raw: string): string {
  return raw.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
