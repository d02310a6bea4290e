/**
 * Changes to monitors over the API, shared by the single and the bulk routes: who may change
 * what (monitors from files and compatible tools are read-only, and the refusal names the file),
 * and the rebuilt definitions of a pause, a resume or a label change, loaded through the same
 * path as a body so they are validated alike.
 */
import type { Monitor } from "../config/model.ts";
import type { Engine } from "../engine/engine.ts";
import { type BodyProblem, crossProblems, monitorFromBody, problemsText, restoreSecrets } from "./monitor-input.ts";
import { WRITABLE_SOURCES } from "./monitor-json.ts";

/** A refusal: HTTP status, stable code, message, and the body's problems where there are some. */
export interface Refusal {
  /** HTTP status. */
  status: number;
  /** Stable code. */
  code: string;
  /** In words. */
  message: string;
  /** Problems of a refused body, by path. */
  problems?: BodyProblem[];
}

/** A refusal's JSON body. */
export const refusalBody = (r: Refusal) => ({ code: r.code, message: r.message, statusCode: r.status, ...(r.problems ? { problems: r.problems } : {}) });

const SOURCE_WORDS: Record<string, string> = { native: "a configuration file", cupcake: "a Cupcake endpoints file", cli: "the command line", lovebeat: "Lovebeat (its statsd beats and API)" };

/** Why a monitor cannot be changed over the API, naming where it is defined. */
export function readOnlyRefusal(m: Monitor): Refusal {
  const where = m.source.file ? `${m.source.file}${m.source.path ? ` (${m.source.path})` : ""}` : (SOURCE_WORDS[m.source.format] ?? m.source.format);
  return { status: 409, code: "UPBEAT_MONITOR_READ_ONLY", message: `monitor "${m.id}" is defined in ${where} and is read-only here; change it there` };
}

/** The running engine, or a refusal while starting. */
export function engineOr(engine: Engine | undefined): Engine | Refusal {
  return engine ?? { status: 503, code: "UPBEAT_NOT_READY", message: "starting; try again in a moment" };
}

/** A monitor the API may change, or why not. */
export function writable(engine: Engine, id: string): Monitor | Refusal {
  const live = engine.get(id);
  if (!live) return { status: 404, code: "UPBEAT_MONITOR_NOT_FOUND", message: `no monitor "${id}"` };
  if (!WRITABLE_SOURCES.includes(live.monitor.source.format)) return readOnlyRefusal(live.monitor);
  return live.monitor;
}

/** A refusal for a body's problems. */
export function badBody(problems: BodyProblem[]): Refusal {
  return { status: 400, code: "UPBEAT_BAD_REQUEST", message: problemsText(problems), problems };
}

/** A running API monitor's definition as a body (the check as stored, with its group). */
export function bodyOf(m: Monitor): Record<string, unknown> {
  return { ...(m.check as Record<string, unknown>), group: m.groupPath };
}

/** A replacing body with the masked secrets it was shown put back (see `restoreSecrets`). */
export function restoreSecretsOf(body: Record<string, unknown>, current: Monitor): Record<string, unknown> {
  return restoreSecrets(body, current.check as Record<string, unknown>);
}

/** Loads a body as the new definition of `current` (or of a new monitor), with every check; a monitor or a refusal. */
export function loadChecked(engine: Engine, body: unknown, current: Monitor | undefined, channels?: ReadonlySet<string>): Monitor | Refusal {
  const loaded = monitorFromBody(body, current ? { id: current.id, source: current.source.format } : { source: "api" });
  if ("problems" in loaded) return badBody(loaded.problems);
  const cross = crossProblems(loaded.monitor, engine, channels);
  return cross.length ? badBody(cross) : loaded.monitor;
}

/** Label changes: a value sets the label, null removes it. */
export type LabelChanges = Record<string, string | null>;

/** The monitor paused or resumed, or with labels changed; undefined when nothing changes. */
export function changed(engine: Engine, m: Monitor, change: { paused?: boolean; labels?: LabelChanges }): Monitor | Refusal | undefined {
  const body = bodyOf(m);
  if (change.paused !== undefined) {
    if (m.settings.paused === change.paused) return undefined;
    body.paused = change.paused;
  }
  if (change.labels) {
    const labels: Record<string, string> = { ...((body.labels as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(change.labels)) {
      if (v === null) delete labels[k];
      else labels[k] = v;
    }
    if (JSON.stringify(labels) === JSON.stringify(body.labels ?? {})) return undefined;
    body.labels = labels;
  }
  return loadChecked(engine, body, m);
}

/** RFC 7396 JSON merge patch: objects merge key by key, null removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Whether a value is a refusal. */
export const isRefusal = (v: unknown): v is Refusal => typeof v === "object" && v !== null && "code" in v && "status" in v && !("kind" in v);
