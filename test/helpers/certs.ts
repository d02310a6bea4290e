/** Test certificates made on the fly: a CA, leaves signed by it or self-signed, valid or expired. */
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

/** A certificate and its key, both PEM. */
export interface Pem {
  /** Certificate. */
  cert: string;
  /** Private key. */
  key: string;
}

/** Options for a test certificate. */
export interface CertOptions {
  /** Common name. */
  cn: string;
  /** DNS names and IPs for subjectAltName (defaults to `[cn]`). */
  altNames?: string[];
  /** Days from now the validity starts (negative = in the past). */
  notBeforeDays?: number;
  /** Days from now the validity ends (negative = expired). */
  notAfterDays?: number;
  /** Signing CA; self-signed when absent. */
  issuer?: Pem;
  /** Make it a CA certificate. */
  isCa?: boolean;
}

let serial = 1;

function rsaKey(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; pem: string } {
  // Node's native key generation is fast; forge only signs.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const priv = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e), pem };
}

/** Makes a certificate as described. */
export function makeCert(o: CertOptions): Pem {
  const keys = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  const day = 86_400_000;
  cert.validity.notBefore = new Date(Date.now() + (o.notBeforeDays ?? -1) * day);
  cert.validity.notAfter = new Date(Date.now() + (o.notAfterDays ?? 30) * day);
  const subject = [{ name: "commonName", value: o.cn }, { name: "organizationName", value: "Upbeat Test" }];
  cert.setSubject(subject);
  const issuerCert = o.issuer ? forge.pki.certificateFromPem(o.issuer.cert) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const alt = (o.altNames ?? [o.cn]).map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n }));
  cert.setExtensions([
    { name: "basicConstraints", cA: o.isCa ?? false },
    { name: "keyUsage", keyCertSign: o.isCa ?? false, digitalSignature: true, keyEncipherment: true },
    ...(o.isCa ? [] : [{ name: "subjectAltName", altNames: alt }, { name: "extKeyUsage", serverAuth: true, clientAuth: true }]),
  ]);
  const signer = o.issuer ? forge.pki.privateKeyFromPem(o.issuer.key) : keys.privateKey;
  cert.sign(signer as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.pem };
}

/** A CA and the usual leaves for 127.0.0.1/localhost: valid, expired, wrong host, and self-signed. */
export function makeTestPki(): { ca: Pem; valid: Pem; expired: Pem; wrongHost: Pem; selfSigned: Pem; client: Pem } {
  const ca = makeCert({ cn: "Upbeat Test CA", isCa: true, notAfterDays: 365 });
  return {
    ca,
    valid: makeCert({ cn: "localhost", altNames: ["localhost", "127.0.0.1"], issuer: ca, notAfterDays: 40 }),
    expired: makeCert({ cn: "localhost", altNames: ["localhost", "127.0.0.1"], issuer: ca, notBeforeDays: -60, notAfterDays: -2 }),
    wrongHost: makeCert({ cn: "other.example", altNames: ["other.example"], issuer: ca }),
    selfSigned: makeCert({ cn: "localhost", altNames: ["localhost", "127.0.0.1"], notAfterDays: 20 }),
    client: makeCert({ cn: "upbeat-client", altNames: ["upbeat-client"], issuer: ca }),
  };
}
