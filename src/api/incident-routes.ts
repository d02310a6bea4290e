/**
 * `/api/v1/incidents`: the list, one incident with its timeline (opened, notifications sent,
 * notes, acknowledged, resolved), notes, and acknowledgement. An acknowledged incident gets no
 * more reminders; the acknowledgement is stored, so that holds across restarts.
 *
 * An incident's id is `<monitor key>-<number>` (`12-3`): URL-safe, unlike monitor ids.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply } from "fastify";
import { addIncidentNote, acknowledgements, incidentNotes } from "../store/incident-notes.ts";
import { type KeyedIncident, keyedIncidents } from "../store/result-pages.ts";
import { AckSchema, errors, IncidentSchema, Nullable } from "./api-schemas.ts";
import { incidentJson, noteEntry } from "./monitor-json.ts";
import type { MonitorRoutesDeps } from "./monitor-views.ts";

const TAGS = ["incidents"];

const ListQuery = Type.Object(
  {
    monitor: Type.Optional(Type.String({ description: "Only this monitor's incidents." })),
    open: Type.Optional(Type.Boolean({ description: "Only open (true) or only resolved (false) incidents." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(Type.Integer({ minimum: 0, description: "Only incidents opened before this epoch-ms time (paging)." })),
  },
  { additionalProperties: false },
);

const IncidentParams = Type.Object({ id: Type.String({ pattern: "^[0-9]+-[0-9]+$", description: "Incident id (`12-3`), as listed." }) });
const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000, description: "The note (plain text)." }) }, { additionalProperties: false });
const AckBody = Type.Object({ text: Type.Optional(Type.String({ maxLength: 10_000, description: "Why, or what is being done." })) }, { additionalProperties: false });

const ListedIncident = Type.Object({ ...IncidentSchema.properties, id: Type.String(), monitorId: Type.String(), monitorName: Type.String() });
const TimelineEntry = Type.Object({
  type: Type.String({ description: "opened, notification, note, acknowledged, resolved." }),
  at: Type.Number(),
  author: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  event: Type.Optional(Type.String({ description: "For a notification: what it told (incident.opened, incident.resolved, reminder.due)." })),
  status: Type.Optional(Type.String({ description: "For a notification: pending, sent, dead, held or suppressed." })),
});
const DetailReply = Type.Object({ incident: Type.Object({ ...ListedIncident.properties, timeline: Type.Array(TimelineEntry) }) });
const NoteReply = Type.Object({ note: Type.Object({ id: Type.Number(), type: Type.String(), at: Type.Number(), author: Type.String(), text: Type.Optional(Type.String()) }) });

const incidentId = (i: { seq: number; number: number }): string => `${i.seq}-${i.number}`;

function listed(i: KeyedIncident, ack: { at: number; author: string } | undefined) {
  const { seq: _seq, ...rest } = i;
  return { ...incidentJson(rest, ack), id: incidentId(i), monitorId: i.monitorId, monitorName: i.monitorName };
}

const DELIVERY_STATUS: Record<string, string> = { done: "sent" };

/** Registers the incident routes. */
export async function incidentRoutes(app: FastifyInstance, d: MonitorRoutesDeps): Promise<void> {
  const find = async (id: string): Promise<KeyedIncident | undefined> => {
    const [seq, number] = id.split("-").map(Number) as [number, number];
    return (await keyedIncidents(d.store.db, { seq, number, limit: 1 }))[0];
  };
  const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ code: "UPBEAT_INCIDENT_NOT_FOUND", message: `no incident "${id}"`, statusCode: 404 });

  app.get<{ Querystring: Static<typeof ListQuery> }>("/api/v1/incidents", { schema: { tags: TAGS, summary: "Incidents, newest first", querystring: ListQuery, response: { 200: Type.Object({ incidents: Type.Array(ListedIncident) }), ...errors(400) } } }, async (req) => {
    const { monitor, open, limit = 100, before } = req.query;
    const rows = await keyedIncidents(d.store.db, { limit, ...(monitor !== undefined ? { monitorId: monitor } : {}), ...(open !== undefined ? { open } : {}), ...(before !== undefined ? { before } : {}) });
    const acks = await acknowledgements(d.store.db, rows);
    return { incidents: rows.map((i) => listed(i, acks.get(`${i.seq}/${i.number}`))) };
  });

  app.get<{ Params: Static<typeof IncidentParams> }>("/api/v1/incidents/:id", { schema: { tags: TAGS, summary: "One incident with its timeline", params: IncidentParams, response: { 200: DetailReply, ...errors(400, 404) } } }, async (req, reply) => {
    const i = await find(req.params.id);
    if (!i) return notFound(reply, req.params.id);
    const [notes, deliveries] = await Promise.all([incidentNotes(d.store.db, i), d.store.deliveriesByKeyPrefix(`${i.monitorId}#${i.number}:`)]);
    const ack = notes.find((n) => n.kind === "acknowledged");
    const timeline = [
      { type: "opened", at: i.openedAt, text: i.cause },
      ...deliveries.map((x) => ({ type: "notification", at: x.doneAt ?? x.createdAt, channel: x.channel, event: x.key.slice(`${i.monitorId}#${i.number}:`.length).split(":")[0] ?? "", status: DELIVERY_STATUS[x.status] ?? x.status, ...(x.lastError ? { text: x.lastError } : {}) })),
      ...notes.map(noteEntry),
      ...(i.resolvedAt !== undefined ? [{ type: "resolved", at: i.resolvedAt, text: i.resolution === "removed" ? "the monitor was removed" : "recovered" }] : []),
    ].sort((a, b) => a.at - b.at);
    return { incident: { ...listed(i, ack), timeline } };
  });

  app.post<{ Params: Static<typeof IncidentParams>; Body: Static<typeof NoteBody> }>("/api/v1/incidents/:id/notes", { schema: { tags: TAGS, summary: "Add a note to an incident's timeline", params: IncidentParams, body: NoteBody, response: { 201: NoteReply, ...errors(400, 403, 404) } } }, async (req, reply) => {
    const i = await find(req.params.id);
    if (!i) return notFound(reply, req.params.id);
    const note = await addIncidentNote(d.store.db, i, { kind: "note", at: d.now(), author: req.principal?.name ?? "anonymous", text: req.body.text });
    return reply.code(201).send({ note: { id: note.id, ...noteEntry(note) } });
  });

  app.post<{ Params: Static<typeof IncidentParams>; Body: Static<typeof AckBody> }>(
    "/api/v1/incidents/:id/ack",
    {
      // A bare POST (no body) is an acknowledgement without a text.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: { tags: TAGS, summary: "Acknowledge an open incident: its reminders stop", params: IncidentParams, body: AckBody, response: { 200: Type.Object({ incident: ListedIncident, acknowledged: Nullable(AckSchema) }), ...errors(400, 403, 404, 409) } },
    },
    async (req, reply) => {
      const i = await find(req.params.id);
      if (!i) return notFound(reply, req.params.id);
      const before = (await acknowledgements(d.store.db, [i])).get(`${i.seq}/${i.number}`);
      if (before) return { incident: listed(i, before), acknowledged: { at: before.at, author: before.author } };
      if (i.resolvedAt !== undefined) return reply.code(409).send({ code: "UPBEAT_INCIDENT_RESOLVED", message: `incident "${req.params.id}" is resolved; there is nothing to acknowledge`, statusCode: 409 });
      const note = await addIncidentNote(d.store.db, i, { kind: "acknowledged", at: d.now(), author: req.principal?.name ?? "anonymous", text: req.body.text ?? "" });
      d.engine()?.acknowledge(i.monitorId, i.number);
      return { incident: listed(i, note), acknowledged: { at: note.at, author: note.author } };
    },
  );
}
