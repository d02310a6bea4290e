/** Digests: a summary of what is down, the incidents and the uptime of the last 24 hours, sent on a schedule. */
import { Type } from "@sinclair/typebox";

/** Defaults of a digest (one place: the schema and the loader both read it). */
export const DIGEST_DEFAULTS = { cron: "0 9 * * *", timezone: "UTC", worst: 10 } as const;

/** One digest. */
export const DigestSpec = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", description: "Name, shown in the title; a digest is sent once per name and time, even across restarts." }),
    channels: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "Channels that receive it." }),
    cron: Type.Optional(Type.String({ minLength: 1, default: DIGEST_DEFAULTS.cron, description: "When it is sent: a cron expression (5 fields, or 6 with seconds first)." })),
    timezone: Type.Optional(Type.String({ minLength: 1, default: DIGEST_DEFAULTS.timezone, description: "IANA time zone of `cron` and of the times in the text (`Europe/Berlin`)." })),
    matchers: Type.Optional(
      Type.Array(Type.String(), { description: "Only monitors whose labels match all of these (`label=value`, `!=`, `=~`, `!~`; the labels of routes: the monitor's own plus monitor, name, group, kind, source)." }),
    ),
    worst: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: DIGEST_DEFAULTS.worst, description: "How many monitors are listed by uptime, lowest first (those at 100 % are left out)." })),
  },
  {
    additionalProperties: false,
    title: "digest",
    description: "A digest: what is down now (since when), the incidents opened or resolved in the last 24 hours with their durations, and the uptime of the last 24 hours overall and for the lowest monitors.",
  },
);
