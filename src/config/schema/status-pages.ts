/** The `statusPages` section: cache time, public address and rate limit of the public status pages and badges. */
import { Type } from "@sinclair/typebox";
import { parseDurationMs } from "../../lib/duration.ts";
import { Duration } from "./common.ts";

/** The section as written. */
export const StatusPagesSettingsSchema = Type.Object(
  {
    cacheTtl: Type.Optional(Duration("How long a rendered status page, feed, JSON or badge is served from memory before it is rendered again (page and incident changes show at once, monitor state changes within 5 s); 0 turns the cache off.", "30s")),
    publicUrl: Type.Optional(
      Type.String({ pattern: "^https?://[^\\s/]+(/[^\\s]*)?$", description: "Public base URL of this server (`https://status.example.com`), used for the absolute links in feeds and status.json; without it they use the request's Host." }),
    ),
    rateLimit: Type.Optional(
      Type.Union(
        [
          Type.Literal(false),
          Type.Object(
            {
              max: Type.Optional(Type.Integer({ minimum: 1, default: 600, description: "Requests per client address and window." })),
              window: Type.Optional(Duration("The window.", "1m")),
            },
            { additionalProperties: false },
          ),
        ],
        { description: "Requests per client address on the public pages and badges (429 past it), or false for none (behind a proxy that limits already, or for benchmarks)." },
      ),
    ),
  },
  { additionalProperties: false, title: "statusPages", description: "Public status pages and badges (read at start; a change takes effect at the next start). The pages themselves are made through the API." },
);

/** Settings of the public pages, in base units. */
export interface StatusPagesSettings {
  /** How long a render is served (0: no cache). */
  cacheTtlMs: number;
  /** Public base URL of this server, for absolute links in feeds and JSON. */
  publicUrl?: string;
  /** Requests per client address and window on the public routes, or off. */
  rateLimit: { max: number; windowMs: number } | false;
}

/** The section in base units, with the file that set it. */
export interface StatusPagesConfig extends StatusPagesSettings {
  /** The file. */
  file: string;
}

/** The settings when no file gives them. */
export const DEFAULT_STATUS_PAGES_SETTINGS: StatusPagesSettings = { cacheTtlMs: 30_000, rateLimit: { max: 600, windowMs: 60_000 } };

/** The section in base units (the schema has checked its shape). */
export function statusPagesOf(file: string, raw: unknown): StatusPagesConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const s = raw as { cacheTtl?: string | number; publicUrl?: string; rateLimit?: false | { max?: number; window?: string | number } };
  const d = DEFAULT_STATUS_PAGES_SETTINGS;
  const rl = s.rateLimit;
  const rateLimit = rl === false ? false : { max: typeof rl?.max === "number" ? rl.max : 600, windowMs: (rl?.window !== undefined ? parseDurationMs(rl.window) : undefined) ?? 60_000 };
  return {
    cacheTtlMs: (s.cacheTtl !== undefined ? parseDurationMs(s.cacheTtl) : undefined) ?? d.cacheTtlMs,
    ...(typeof s.publicUrl === "string" ? { publicUrl: s.publicUrl.replace(/\/+$/, "") } : {}),
    rateLimit,
    file,
  };
}
