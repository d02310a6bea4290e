import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { makeCert, type Pem } from "../../test/helpers/certs.ts";
import { closedPort } from "../../test/helpers/http-server.ts";
import { startSmtpStartTlsServer } from "../../test/helpers/smtp-starttls-server.ts";
import { classifySmtpError, emailNotifier, type EmailSettingsInput, recipientList, renderMail } from "./email.ts";
import type { ChannelContext, Notification } from "./types.ts";

/** One message as the SMTP server received it. */
interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  auth?: { method: string; user: string; password: string };
}

/** A real SMTP server (smtp-server) on 127.0.0.1:0 recording every accepted message. */
async function startSmtp(o: Partial<SMTPServerOptions> = {}) {
  const messages: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: o.key ? [] : ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === "mailer" && auth.password === "s3cret") cb(null, { user: { method: auth.method, user: auth.username, password: auth.password } });
      else cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          from: mailFrom ? mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          secure: session.secure,
          ...(session.user ? { auth: session.user as Received["auth"] } : {}),
        });
        cb();
      });
    },
    ...o,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Headers (lower-case names, unfolded) and body of a raw message. */
function parse(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, at).replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body: raw.slice(at + 4) };
}

/** Quoted-printable decoding, enough to read the parts nodemailer writes. */
const qp = (s: string): string => Buffer.from(s.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");

const sample = (over: Partial<Notification> = {}): Notification => ({
  kind: "incident.opened",
  severity: "critical",
  title: "DOWN: shop / checkout (HTTP 503)",
  text: "checkout is down.",
  monitors: [{ id: "shop/checkout", name: "checkout", status: "down", group: ["shop"], target: "https://shop.example/checkout", cause: "HTTP 503", incident: 4, labels: {} }],
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  dedupKey: "upbeat:shop/checkout:4",
  idempotencyKey: "upbeat:shop/checkout:4:opened:mail",
  url: "https://upbeat.example/monitors/shop%2Fcheckout",
  ...over,
});

const lovebeat = sample({
  compat: { tool: "lovebeat", alarm: "A", previous: "ok", current: "error", incident: 2, failedServices: ["a.b"], publicUrl: "http://lb/" },
});

const ctx = (timeoutMs = 10_000): ChannelContext => ({ signal: AbortSignal.timeout(timeoutMs), now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });

describe("email channel", () => {
  let cert: Pem;
  let dir: string;
  before(() => {
    cert = makeCert({ cn: "localhost", altNames: ["localhost", "127.0.0.1"] });
    dir = mkdtempSync(join(tmpdir(), "upbeat-mail-"));
  });

  describe("over plain SMTP", () => {
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => (smtp = await startSmtp()));
    after(() => smtp.close());
    const settings = (): EmailSettingsInput => ({ host: "127.0.0.1", port: smtp.port, from: "Upbeat <upbeat@example.test>", to: ["ops@example.test", "dev@example.test"] });

    test("a notification arrives with its envelope, subject, text and HTML alternative", async () => {
      const r = await emailNotifier.send(settings(), sample(), ctx());
      assert.equal(r.ok, true, JSON.stringify(r));
      const m = smtp.messages.at(-1);
      assert.equal(m?.from, "upbeat@example.test");
      assert.deepEqual(m?.to, ["ops@example.test", "dev@example.test"]);
      const { headers } = parse(m?.raw ?? "");
      assert.equal(headers.get("subject"), "DOWN: shop / checkout (HTTP 503)");
      assert.match(headers.get("content-type") ?? "", /^multipart\/alternative/);
      const raw = qp(m?.raw ?? "");
      assert.match(raw, /Content-Type: text\/plain/);
      assert.match(raw, /checkout is down\.\r\n\r\n- shop \/ checkout: DOWN — HTTP 503 \(https:\/\/shop\.example\/checkout\)\r\n\r\nhttps:\/\/upbeat\.example\/monitors\/shop%2Fcheckout/);
      assert.match(raw, /Content-Type: text\/html/);
      assert.match(raw, /<li>shop \/ checkout: DOWN — HTTP 503 \(https:\/\/shop\.example\/checkout\)<\/li>/);
    });

    test("LOVEBEAT compat: exact subject, body and content type; the To string is split on commas", async () => {
      const r = await emailNotifier.send({ ...settings(), from: "lovebeat@example.test", to: "a@example.test, b@example.test" }, lovebeat, ctx());
      assert.equal(r.ok, true, JSON.stringify(r));
      const m = smtp.messages.at(-1);
      assert.equal(m?.from, "lovebeat@example.test");
      assert.deepEqual(m?.to, ["a@example.test", "b@example.test"]);
      const { headers, body } = parse(m?.raw ?? "");
      assert.equal(headers.get("subject"), "[LOVEBEAT] A-2");
      assert.equal(headers.get("to"), "a@example.test, b@example.test");
      assert.equal(headers.get("from"), "lovebeat@example.test");
      assert.equal(headers.get("mime-version"), "1.0");
      assert.equal(headers.get("content-type"), 'text/html; charset="UTF-8"');
      assert.equal(body, "The status for alarm 'A' has changed from 'OK' to 'ERROR'\r\n");
    });
  });

  describe("over TLS", () => {
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let smtps: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => {
      smtp = await startSmtp({ key: cert.key, cert: cert.cert, authMethods: ["PLAIN", "LOGIN"] });
      smtps = await startSmtp({ secure: true, key: cert.key, cert: cert.cert });
    });
    after(async () => {
      await smtp.close();
      await smtps.close();
    });
    const settings = (over: Partial<EmailSettingsInput> = {}): EmailSettingsInput => ({
      host: "127.0.0.1",
      port: smtp.port,
      requireTLS: true,
      from: "upbeat@example.test",
      to: "ops@example.test",
      tls: { ca: cert.cert },
      ...over,
    });

    test("STARTTLS with a self-signed certificate trusted through inline PEM, AUTH PLAIN", async () => {
      const r = await emailNotifier.send(settings({ auth: { user: "mailer", password: "s3cret", method: "PLAIN" } }), sample(), ctx());
      assert.equal(r.ok, true, JSON.stringify(r));
      const m = smtp.messages.at(-1);
      assert.equal(m?.secure, true);
      assert.deepEqual(m?.auth, { method: "PLAIN", user: "mailer", password: "s3cret" });
      assert.deepEqual(m?.to, ["ops@example.test"]);
    });

    test("STARTTLS with the CA read from a file, AUTH LOGIN", async () => {
      const caPath = join(dir, "ca.pem");
      writeFileSync(caPath, cert.cert);
      const r = await emailNotifier.send(settings({ tls: { ca: caPath }, auth: { user: "mailer", password: "s3cret", method: "LOGIN" } }), sample(), ctx());
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(smtp.messages.at(-1)?.auth?.method, "LOGIN");
    });

    test("a wrong password is a final 535, and the error does not contain it", async () => {
      const r = await emailNotifier.send(settings({ auth: { user: "mailer", password: "wrong-pass" } }), sample(), ctx());
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.retryable, false);
      assert.match(!r.ok ? r.error : "", /535/);
      assert.doesNotMatch(!r.ok ? r.error : "", /wrong-pass/);
    });

    test("an untrusted certificate is refused", async () => {
      const r = await emailNotifier.send(settings({ tls: {} }), sample(), ctx());
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.error : "", /certificate/i);
    });

    test("an unreadable CA file is a final error", async () => {
      const r = await emailNotifier.send(settings({ tls: { ca: join(dir, "missing.pem") } }), sample(), ctx());
      assert.deepEqual(r.ok ? r : { ok: r.ok, retryable: r.retryable }, { ok: false, retryable: false });
    });

    test("implicit TLS (secure)", async () => {
      const r = await emailNotifier.send(settings({ port: smtps.port, secure: true, requireTLS: false }), sample(), ctx());
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(smtps.messages.at(-1)?.secure, true);
    });
  });

  describe("failures", () => {
    test("451 is retryable, 550 is final", async () => {
      const smtp = await startSmtp({
        onRcptTo(address, _session, cb) {
          const code = address.address.startsWith("busy") ? 451 : 550;
          cb(Object.assign(new Error(code === 451 ? "Try again later" : "No such user"), { responseCode: code }));
        },
      });
      try {
        const base = { host: "127.0.0.1", port: smtp.port, from: "upbeat@example.test" };
        const busy = await emailNotifier.send({ ...base, to: "busy@example.test" }, sample(), ctx());
        assert.equal(busy.ok, false);
        assert.equal(!busy.ok && busy.retryable, true);
        assert.match(!busy.ok ? busy.error : "", /^SMTP 451/);
        const gone = await emailNotifier.send({ ...base, to: "gone@example.test" }, sample(), ctx());
        assert.equal(gone.ok, false);
        assert.equal(!gone.ok && gone.retryable, false);
        assert.match(!gone.ok ? gone.error : "", /^SMTP 550.*No such user/);
      } finally {
        await smtp.close();
      }
    });

    test("a server that never greets: the delivery is aborted, retryable, and the connection let go", async () => {
      const silent = await startSmtpStartTlsServer({ tls: cert, silent: true });
      try {
        const r = await emailNotifier.send({ host: "127.0.0.1", port: silent.port, from: "u@example.test", to: "o@example.test" }, sample(), ctx(300));
        assert.deepEqual(r, { ok: false, retryable: true, error: "timed out" });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(silent.openConnections(), 0);
      } finally {
        await silent.close();
      }
    });

    test("some recipients refused: delivered to the others, the refused ones named", async () => {
      const smtp = await startSmtp({
        onRcptTo(address, _session, cb) {
          cb(address.address.startsWith("gone") ? Object.assign(new Error("No such user"), { responseCode: 550 }) : undefined);
        },
      });
      try {
        const r = await emailNotifier.send({ host: "127.0.0.1", port: smtp.port, from: "u@example.test", to: "ops@example.test, gone@example.test" }, sample(), ctx());
        assert.equal(r.ok, true);
        assert.match(r.ok ? (r.detail ?? "") : "", /refused recipients: gone@example\.test$/);
        assert.deepEqual(smtp.messages.at(-1)?.to, ["ops@example.test"]);
      } finally {
        await smtp.close();
      }
    });

    test("a refused connection is retryable", async () => {
      const r = await emailNotifier.send({ host: "127.0.0.1", port: await closedPort(), from: "u@example.test", to: "o@example.test" }, sample(), ctx());
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.retryable, true);
    });

    test("classification of errors without a reply", () => {
      assert.equal(classifySmtpError(Object.assign(new Error("x"), { code: "ECONFIG" }), false).ok, false);
      assert.deepEqual(classifySmtpError(Object.assign(new Error("x"), { code: "ECONFIG" }), false), { ok: false, retryable: false, error: "ECONFIG: x" });
      assert.deepEqual(classifySmtpError(new Error("x"), true), { ok: false, retryable: true, error: "timed out" });
    });
  });

  test("rendering and recipients", () => {
    assert.deepEqual(recipientList(" a@x , b@y,,"), ["a@x", "b@y"]);
    const m = renderMail(sample({ text: "<b>&", url: undefined }));
    assert.match(m.html, /&#60;b&#62;&#38;/);
    assert.equal(m.text, "<b>&\n\n- shop / checkout: DOWN — HTTP 503 (https://shop.example/checkout)\n");
  });
});
