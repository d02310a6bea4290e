/** Client side of SMTP STARTTLS (RFC 3207): greeting, EHLO, STARTTLS, up to where the TLS handshake starts. */
import type { Socket } from "node:net";

/** A refusal or protocol violation during the STARTTLS exchange: a target failure of kind `protocol`. */
export class StartTlsError extends Error {
  override name = "StartTlsError";
}

/** One SMTP reply: its code and the text of each line (code and separator removed). */
interface Reply {
  code: number;
  lines: string[];
}

// A server that sends an endless line must not make the probe buffer without bound.
const MAX_PENDING_CHARS = 64 * 1024;
const EHLO_NAME = "upbeat.local";

/** Server text made safe and short for a one-line reason. */
function excerpt(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f-\xff]/g, "?");
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}

/** Reads complete (possibly multi-line) SMTP replies off a socket, one at a time. */
class ReplyReader {
  private buf = "";
  private lines: string[] = [];
  private readonly ready: Reply[] = [];
  private failure: Error | undefined;
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly socket: Socket) {
    socket.on("data", this.onData);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  /** The next complete reply; rejects once the connection failed or closed. */
  next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.wake();
    });
  }

  /** Whether bytes or replies arrived that nobody asked for yet. */
  hasUnread(): boolean {
    return this.buf.length > 0 || this.lines.length > 0 || this.ready.length > 0;
  }

  /** Stops reading so that the TLS layer gets every following byte. */
  stop(): void {
    this.socket.off("data", this.onData);
    this.socket.off("error", this.onError);
    this.socket.off("close", this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    // latin1 maps every byte to one char, so odd bytes never break line splitting.
    this.buf += chunk.toString("latin1");
    let nl: number;
    while (!this.failure && (nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, "");
      this.buf = this.buf.slice(nl + 1);
      this.addLine(line);
    }
    if (this.buf.length > MAX_PENDING_CHARS) this.failure ??= new StartTlsError("SMTP reply line too long");
    this.wake();
  };

  private readonly onError = (err: Error): void => {
    this.failure ??= err;
    this.wake();
  };

  private readonly onClose = (): void => {
    this.failure ??= new StartTlsError("connection closed by the server during the SMTP exchange");
    this.wake();
  };

  private addLine(line: string): void {
    const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
    if (!m) {
      this.failure = new StartTlsError(`malformed SMTP reply line: ${excerpt(line)}`);
      return;
    }
    this.lines.push(m[3] ?? "");
    // "250-" continues a multi-line reply; "250 " (or a bare code) ends it.
    if (m[2] !== "-") {
      this.ready.push({ code: Number(m[1]), lines: this.lines });
      this.lines = [];
    }
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    // Replies that arrived before a failure are still delivered first.
    const reply = this.ready.shift();
    if (reply) {
      this.waiter = undefined;
      w.resolve(reply);
    } else if (this.failure) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }
}

/** The reply if it has the expected code; otherwise a StartTlsError naming the step and what came. */
function expectCode(reply: Reply, code: number, step: string): Reply {
  if (reply.code !== code) {
    throw new StartTlsError(`${step}: expected ${code}, got ${reply.code} ${excerpt(reply.lines.join(" / "))}`);
  }
  return reply;
}

/**
 * Runs the SMTP side of STARTTLS on a connected socket: after it resolves, the next bytes on the
 * socket belong to the TLS handshake. Rejects with StartTlsError on a refusal or protocol error,
 * or with the socket's error (or the close) when the connection breaks.
 */
export async function smtpStartTls(socket: Socket): Promise<void> {
  const reader = new ReplyReader(socket);
  try {
    expectCode(await reader.next(), 220, "SMTP greeting");
    socket.write(`EHLO ${EHLO_NAME}\r\n`);
    const ehlo = expectCode(await reader.next(), 250, "EHLO");
    // The first line is the server's name; extension keywords follow, one per line.
    if (!ehlo.lines.slice(1).some((l) => /^STARTTLS\b/i.test(l.trim()))) {
      throw new StartTlsError("server does not advertise STARTTLS in its EHLO reply");
    }
    socket.write("STARTTLS\r\n");
    expectCode(await reader.next(), 220, "STARTTLS");
    // Anything after the 220 was sent in clear text but would be taken as TLS-protected (CVE-2011-0411).
    if (reader.hasUnread()) throw new StartTlsError("server sent data after its STARTTLS reply");
  } finally {
    reader.stop();
  }
}
