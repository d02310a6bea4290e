/**
 * Checks a channel, route or maintenance window sent to the API against the same schemas as the
 * native config file, naming every wrong field (`body.matchers[0]: …`). Secrets sent back as the
 * mask are replaced by the stored ones.
 */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { NotifierRegistry } from "../alerting/config.ts";
import { redactorFor, restoreSecrets, SECRET_MASK, secretStrings } from "../alerting/secrets.ts";
import type { ApiObject, ApiObjectKind } from "./api-objects.ts";
import { type ConfigProblem, formatPath } from "./problems.ts";
import { ChannelSpec, MaintenanceSpec, RouteNode } from "./schema/common.ts";
import type { ParsedSource } from "./source.ts";
import { validateAt } from "./validate.ts";

/** Names of API channels and routes (they appear in URLs and in `alerts` lists). */
export const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** A refused change, as the API reports it. */
export class ApiProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Field paths of a request body: `body`, `body.url`, `body.matchers[0]`. */
export function bodyPath(rest: string): string {
  return rest ? `body${rest.startsWith("[") ? "" : "."}${rest}` : "body";
}

const bodySource = (value: unknown): ParsedSource => ({
  file: "body",
  value,
  problems: [],
  problemAt: (segs, message, opts) => ({ severity: opts?.severity ?? "error", file: "body", path: formatPath(segs), message }),
});

/** Every schema problem of a body, as one 400. */
function refuse(problems: readonly ConfigProblem[]): ApiProblem {
  const text = problems.slice(0, 10).map((p) => `${bodyPath(p.path)}: ${p.message}`).join("; ");
  return new ApiProblem(400, "UPBEAT_BAD_REQUEST", problems.length > 10 ? `${text}; and ${problems.length - 10} more` : text);
}

function check(schema: TSchema, value: unknown, base: (string | number)[] = []): void {
  const problems = validateAt(bodySource(value), base, schema, value);
  if (problems.length) throw refuse(problems);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A channel body: the native entry, its settings checked against its type; masked secrets restored from `previous`. */
function channelSpec(body: Record<string, unknown>, previous: ApiObject | undefined, registry: NotifierRegistry): Record<string, unknown> {
  check(ChannelSpec, body);
  const { name, type, ...given } = body as { name: string; type: string } & Record<string, unknown>;
  const notifier = registry[type];
  if (!notifier) throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", `body.type: unknown channel type "${type}"; expected one of: ${Object.keys(registry).sort().join(", ")}`);
  let settings = given;
  const stored = previous && previous.spec.type === type ? previous.spec : undefined;
  const restored = restoreSecrets(notifier.schema, given, stored ? { ...stored, name: undefined, type: undefined } : undefined);
  settings = restored.value as Record<string, unknown>;
  if (restored.missing.length) {
    const why = stored ? "no secret is stored there" : previous ? `the channel's type changed from ${String(previous.spec.type)}, so its secrets are not kept` : "a new channel has no stored secret";
    throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", restored.missing.map((p) => `${bodyPath(p)}: "${SECRET_MASK}" stands for the stored secret, and ${why}; send the value`).join("; "));
  }
  try {
    check(notifier.schema, Value.Default(notifier.schema, Value.Clone(settings)));
  } catch (e) {
    // Problems quote the value they refuse (cut at 40 characters): a secret is never quoted back.
    const secrets = secretStrings(notifier.schema, settings);
    const redact = redactorFor([...secrets, ...secrets.filter((x) => x.length > 40).map((x) => x.slice(0, 40))]);
    throw e instanceof ApiProblem ? new ApiProblem(e.statusCode, e.code, redact(e.message)) : e;
  }
  return { name, type, ...settings };
}

/**
 * The spec to store for a body sent to `PUT /…/:name` or `POST /…` (then `name` comes from the
 * body): the native config entry with its name, checked; throws an {@link ApiProblem}.
 */
export function specOf(kind: ApiObjectKind, name: string | undefined, body: unknown, previous: ApiObject | undefined, registry: NotifierRegistry): { name: string; spec: Record<string, unknown> } {
  if (!isObject(body)) throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", "body must be a JSON object");
  const given = body.name;
  if (name !== undefined && given !== undefined && given !== name) throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", `body.name: "${String(given)}" differs from the name in the URL "${name}"; names cannot be changed (delete and create instead)`);
  const finalName = name ?? given;
  if (typeof finalName !== "string" || finalName === "") throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", "body.name: is required");
  if (kind !== "maintenance" && !OBJECT_NAME.test(finalName)) throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", `body.name: "${finalName}" must start with a letter or digit and hold only letters, digits, _ . - (200 at most)`);
  if (finalName.length > 200) throw new ApiProblem(400, "UPBEAT_BAD_REQUEST", "body.name: must be 200 characters at most");
  const withName = { ...body, name: finalName };
  if (kind === "channel") return { name: finalName, spec: channelSpec(withName, previous, registry) };
  if (kind === "maintenance") {
    check(MaintenanceSpec, withName);
    return { name: finalName, spec: withName };
  }
  const { name: _n, ...route } = withName;
  check(RouteNode, route);
  return { name: finalName, spec: withName };
}
