/** TypeBox schemas of the status page API: bodies, parameters and responses (they feed the OpenAPI document). */
// The swagger types add `tags` and `summary` to route schemas.
import type {} from "@fastify/swagger";
import { Type } from "@sinclair/typebox";
import { LOGO_MAX_BYTES, LOGO_TYPES } from "../status-pages/logo.ts";
import { IMPACTS, INCIDENT_KINDS, UPDATE_STATES } from "../status-pages/types.ts";

const lit = <T extends string>(values: readonly T[], description: string) => Type.Union(values.map((v) => Type.Literal(v)), { description });

/** A page's URL name. */
export const Slug = Type.String({ pattern: "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", description: "URL name: lower-case letters, digits and `-` (the page is at `/pages/<slug>`)." });

const Domain = Type.String({
  maxLength: 253,
  pattern: "^(?=[A-Za-z0-9])(?:[A-Za-z0-9-]{1,63}\\.)*[A-Za-z0-9-]{1,63}\\.?$",
  description: "Host name that serves this page at `/` (`status.example.com`); point it at Upbeat (or its proxy) and keep the `Host` header.",
});

const SectionMonitor = Type.Union(
  [
    Type.String({ minLength: 1, description: "Monitor id." }),
    Type.Object({ id: Type.String({ minLength: 1, description: "Monitor id." }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Name shown on the page instead of the monitor's." })) }, { additionalProperties: false }),
  ],
  { description: "A monitor id, or `{ id, name }` to show it under another name." },
);

const SectionIn = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, description: "Heading." }),
    description: Type.Optional(Type.String({ maxLength: 2000, description: "Text under the heading." })),
    monitors: Type.Optional(Type.Array(SectionMonitor, { maxItems: 10_000, description: "Monitors listed in this order." })),
    matchers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 20, description: "Label matchers (`group=shop`, `env=~prod|live`); monitors matching all follow the listed ones, by name." })),
  },
  { additionalProperties: false },
);

const StatusTextIn = Type.Object(
  {
    up: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    degraded: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    down: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    maintenance: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, description: "Banner texts replacing the defaults (Situation Normal, Degraded Service, Service Disruption, Scheduled Maintenance)." },
);

const LogoIn = Type.Object(
  {
    data: Type.String({ minLength: 1, maxLength: Math.ceil((LOGO_MAX_BYTES * 4) / 3) + 100, description: `Base64 image (PNG, JPEG, GIF or WebP; at most ${LOGO_MAX_BYTES} bytes).` }),
    contentType: Type.Optional(lit(LOGO_TYPES, "Media type; checked against the data.")),
  },
  { additionalProperties: false },
);

const pageFields = {
  title: Type.String({ minLength: 1, maxLength: 200, description: "Title." }),
  description: Type.String({ maxLength: 2000, description: "Text under the title." }),
  logoUrl: Type.Union([Type.String({ pattern: "^https?://[^\\s\"'<>]+$", maxLength: 2000 }), Type.Null()], { description: "Logo image URL (http or https); an uploaded logo wins." }),
  logo: Type.Union([LogoIn, Type.Null()], { description: "Uploaded logo; null removes it." }),
  domain: Type.Union([Domain, Type.Null()]),
  password: Type.Union([Type.String({ minLength: 8, maxLength: 200 }), Type.Null()], { description: "Page password (at least 8 characters; stored as an argon2 hash); null removes it." }),
  sections: Type.Array(SectionIn, { maxItems: 100, description: "Sections of monitors, in order." }),
  showUptimeBars: Type.Boolean({ description: "Show the 90-day bars (default true)." }),
  footer: Type.String({ maxLength: 2000, description: "Footer text." }),
  statusText: StatusTextIn,
  historyDays: Type.Integer({ minimum: 0, maximum: 365, description: "Days of resolved incidents listed on the page (default 14); older ones are on its history pages." }),
};

/** `POST /api/v1/status-pages`. */
export const NewPage = Type.Object(
  { slug: Slug, title: pageFields.title, ...Object.fromEntries(Object.entries(pageFields).filter(([k]) => k !== "title").map(([k, v]) => [k, Type.Optional(v)])) },
  { additionalProperties: false },
);

/** `PATCH /api/v1/status-pages/:slug`. */
export const PagePatch = Type.Object({ slug: Type.Optional(Slug), ...Object.fromEntries(Object.entries(pageFields).map(([k, v]) => [k, Type.Optional(v)])) }, { additionalProperties: false, minProperties: 1 });

const Section = Type.Object({
  title: Type.String(),
  description: Type.Optional(Type.String()),
  monitors: Type.Array(Type.Object({ id: Type.String(), name: Type.Optional(Type.String()) })),
  matchers: Type.Array(Type.String()),
});

/** A page as the API shows it. */
export const PageOut = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  url: Type.String({ description: "Where the page is served (relative to this server)." }),
  title: Type.String(),
  description: Type.String(),
  logoUrl: Type.Union([Type.String(), Type.Null()]),
  logo: Type.Union([Type.Object({ contentType: Type.String(), url: Type.String() }), Type.Null()], { description: "The uploaded logo, if any." }),
  domain: Type.Union([Type.String(), Type.Null()]),
  passwordProtected: Type.Boolean(),
  sections: Type.Array(Section),
  showUptimeBars: Type.Boolean(),
  footer: Type.String(),
  statusText: Type.Record(Type.String(), Type.String()),
  historyDays: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

const State = lit(UPDATE_STATES, "State the update puts the incident in.");
const Body = Type.String({ minLength: 1, maxLength: 20_000, description: "Text (plain; line breaks kept)." });
const Time = (d: string) => Type.String({ format: "date-time", description: `${d} (ISO 8601).` });

const incidentFields = {
  kind: lit(INCIDENT_KINDS, "`incident`, or `maintenance` for a scheduled maintenance announcement (needs startsAt and endsAt)."),
  title: Type.String({ minLength: 1, maxLength: 300 }),
  impact: lit(IMPACTS, "Effect on the banner while open: minor → degraded, major → down (default minor; maintenance: none)."),
  monitors: Type.Array(Type.String({ minLength: 1 }), { maxItems: 10_000, description: "Affected monitor ids (shown when the page lists them)." }),
};

/** `POST …/incidents`: the thread and its first update. */
export const NewIncident = Type.Object(
  {
    title: incidentFields.title,
    kind: Type.Optional(incidentFields.kind),
    impact: Type.Optional(incidentFields.impact),
    monitors: Type.Optional(incidentFields.monitors),
    startsAt: Type.Optional(Time("Maintenance start")),
    endsAt: Type.Optional(Time("Maintenance end")),
    state: State,
    body: Body,
  },
  { additionalProperties: false },
);

/** `PATCH …/incidents/:id`. */
export const IncidentPatch = Type.Object(
  {
    title: Type.Optional(incidentFields.title),
    kind: Type.Optional(incidentFields.kind),
    impact: Type.Optional(incidentFields.impact),
    monitors: Type.Optional(incidentFields.monitors),
    startsAt: Type.Optional(Type.Union([Time("Maintenance start"), Type.Null()])),
    endsAt: Type.Optional(Type.Union([Time("Maintenance end"), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** `POST …/updates`. */
export const NewUpdate = Type.Object({ state: State, body: Body }, { additionalProperties: false });
/** `PATCH …/updates/:updateId`. */
export const UpdatePatch = Type.Object({ state: Type.Optional(State), body: Type.Optional(Body) }, { additionalProperties: false, minProperties: 1 });

/** An update as the API shows it. */
export const UpdateOut = Type.Object({ id: Type.Integer(), state: Type.String(), body: Type.String(), author: Type.String(), createdAt: Type.String(), updatedAt: Type.String() });

/** An incident as the API shows it. */
export const IncidentOut = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  title: Type.String(),
  impact: Type.String(),
  state: Type.String(),
  monitors: Type.Array(Type.String()),
  author: Type.String(),
  startsAt: Type.Optional(Type.String()),
  endsAt: Type.Optional(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  updates: Type.Array(UpdateOut),
});

/** The error shape. */
export const ErrorOut = Type.Object({ code: Type.String(), message: Type.String(), statusCode: Type.Integer() });

/** Path parameters. */
export const SlugParams = Type.Object({ slug: Type.String() });
/** Path parameters of one incident. */
export const IncidentParams = Type.Object({ slug: Type.String(), id: Type.Integer({ minimum: 1 }) });
/** Path parameters of one update. */
export const UpdateParams = Type.Object({ slug: Type.String(), id: Type.Integer({ minimum: 1 }), updateId: Type.Integer({ minimum: 1 }) });

/** `GET …/incidents` query. */
export const IncidentsQuery = Type.Object(
  {
    open: Type.Optional(Type.Boolean({ description: "Only open (true) or resolved (false) ones." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);
