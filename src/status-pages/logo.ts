/**
 * Uploaded logos: raster images only (PNG, JPEG, GIF, WebP), told by their first bytes rather
 * than by what the client claims, and at most `LOGO_MAX_BYTES`. SVG is refused: served from the
 * dashboard's origin it could carry script. Pure.
 */

/** Largest logo accepted. */
export const LOGO_MAX_BYTES = 256 * 1024;

/** Logo media types accepted. */
export const LOGO_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;
/** One of them. */
export type LogoType = (typeof LOGO_TYPES)[number];

/** The image type of the bytes, if it is one accepted. */
export function sniffImage(b: Buffer): LogoType | undefined {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString("latin1"))) return "image/gif";
  if (b.length >= 12 && b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  return undefined;
}

/** Decodes and checks an uploaded logo; the error names what is wrong. */
export function checkLogo(data: string, claimed?: string): { type: LogoType; data: Buffer } | { error: string } {
  const clean = data.replace(/^data:[^;,]+;base64,/, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean.replace(/\s+/g, ""))) return { error: "body/logo/data is not base64" };
  const bytes = Buffer.from(clean, "base64");
  if (!bytes.length) return { error: "body/logo/data is empty" };
  if (bytes.length > LOGO_MAX_BYTES) return { error: `body/logo/data is ${bytes.length} bytes; the limit is ${LOGO_MAX_BYTES}` };
  const type = sniffImage(bytes);
  if (!type) return { error: `body/logo/data is not a PNG, JPEG, GIF or WebP image` };
  if (claimed && claimed !== type) return { error: `body/logo/contentType says ${claimed} but the data is ${type}` };
  return { type, data: bytes };
}
