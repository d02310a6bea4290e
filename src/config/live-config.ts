/**
 * The configuration in force while Upbeat runs: the files plus the channels, routes and
 * maintenance windows made through the API. Every change (an API write, a file reload) is
 * checked as a whole before anything is stored or applied, one change at a time; then the
 * listeners (alerting, digests, the engine's maintenance windows) get the new configuration.
 */
import type { Logger } from "pino";
import type { NotifierRegistry } from "../alerting/config.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Store } from "../store/types.ts";
import { type ApiObject, type ApiObjectKind, deleteApiObject, getApiObject, listApiObjects, putApiObject } from "./api-objects.ts";
import { API_SOURCE, apiPath, type Effective, isUnder, mergeConfig, mergeDroppingInvalid } from "./effective.ts";
import type { ChannelConfig, UpbeatConfig } from "./model.ts";
import { ApiProblem, bodyPath, specOf } from "./object-specs.ts";
import { type ConfigProblem, formatProblem } from "./problems.ts";

/** What the live configuration needs. */
export interface LiveConfigOptions {
  /** Where API objects are kept. */
  store: Store;
  /** Channel types. */
  registry: NotifierRegistry;
  /** Channels that come from elsewhere (Lovebeat's `[alerts.*]`). */
  extraChannels?: readonly ChannelConfig[];
  /** Log. */
  log: Logger;
  /** Epoch-ms clock. */
  now?: () => number;
}

/** Something that uses a channel: a route, a digest, a monitor. */
export type ChannelUser = string;

/** Where an object is defined: a file (read-only in the API) or the API. */
export interface ObjectOrigin {
  /** A file path, or `api`. */
  source: string;
  /** Defined in a file: the API cannot change it. */
  readOnly: boolean;
  /** The stored object, for API objects. */
  object?: ApiObject;
  /** False for an API object left out because it is invalid or a file defines its name. */
  active: boolean;
}

const key = (p: ConfigProblem) => formatProblem(p);

/** The running configuration and its API objects. */
export class LiveConfig {
  private current: Effective;
  private stored: ApiObject[];
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listeners: Array<(e: Effective) => void> = [];
  /** Ids of monitors whose `alerts` name a channel (set by serve from the engine: monitors of every source). */
  monitorsUsing: (channel: string) => string[] = () => [];

  private constructor(
    private readonly o: LiveConfigOptions,
    first: Effective,
    stored: ApiObject[],
  ) {
    this.current = first;
    this.stored = stored;
  }

  /** Reads the API objects and merges them with the files; invalid API objects are left out and reported. */
  static async open(files: UpbeatConfig, o: LiveConfigOptions): Promise<{ live: LiveConfig; problems: ConfigProblem[] }> {
    const stored = await listApiObjects(o.store.db);
    const e = mergeDroppingInvalid(files, stored, o.registry, o.extraChannels ?? []);
    return { live: new LiveConfig(o, e, stored), problems: e.problems };
  }

  /** The configuration in force. */
  get effective(): Effective {
    return this.current;
  }

  /** Channels that come from elsewhere than native files and the API (Lovebeat's `[alerts.*]`). */
  get extraChannels(): readonly ChannelConfig[] {
    return this.o.extraChannels ?? [];
  }

  /** Calls `fn` with the new configuration after every change. */
  onChange(fn: (e: Effective) => void): void {
    this.listeners.push(fn);
  }

  /** Every stored object of a kind, in force or not. */
  objects(kind: ApiObjectKind): ApiObject[] {
    return this.stored.filter((o) => o.kind === kind);
  }

  /** Where a channel or maintenance window named `name` is defined, if anywhere. */
  origin(kind: ApiObjectKind, name: string): ObjectOrigin | undefined {
    const f = this.current.files;
    const file = kind === "channel" ? [...(f.channels ?? []), ...(this.o.extraChannels ?? [])].find((c) => c.name === name)?.file : kind === "maintenance" ? f.maintenance?.find((w) => w.name === name)?.file : undefined;
    if (file !== undefined) return { source: file, readOnly: true, active: true };
    const object = this.stored.find((o) => o.kind === kind && o.name === name);
    return object ? { source: API_SOURCE, readOnly: false, object, active: this.current.objects.includes(object) } : undefined;
  }

  /** Runs changes one at a time. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private publish(e: Effective): void {
    this.current = e;
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.log.error({ err: errorMessage(err) }, "applying the configuration failed");
      }
    }
  }

  /**
   * Takes reloaded files: API objects they make invalid are left out (and logged). `run` gets the
   * configuration first (the engine takes its monitors); then it is put in force. No API change
   * runs in between.
   */
  reload(files: UpbeatConfig, run: (e: Effective) => Promise<void>): Promise<Effective> {
    return this.serial(async () => {
      const e = mergeDroppingInvalid(files, this.stored, this.o.registry, this.o.extraChannels ?? []);
      for (const p of e.problems) this.o.log[p.severity === "error" ? "error" : "warn"]({ problem: formatProblem(p) }, "configuration problem");
      await run(e);
      this.publish(e);
      return e;
    });
  }

  /** Checks a set of objects; throws a 400 naming what the change would break. */
  private candidate(objects: ApiObject[], target?: { kind: ApiObjectKind; name: string }): Effective {
    const e = mergeConfig(this.current.files, objects, this.o.registry, this.o.extraChannels ?? []);
    const before = new Set(this.current.problems.map(key));
    const base = target ? apiPath(target.kind, target.name) : undefined;
    const own = (p: ConfigProblem) => base !== undefined && p.file === API_SOURCE && isUnder(p.path, base);
    // A change is refused for what it breaks; problems the configuration already had are not its fault, except its own.
    const fresh = e.problems.filter((p) => p.severity === "error" && (!before.has(key(p)) || own(p)));
    if (!fresh.length) return e;
    const text = fresh.slice(0, 10).map((p) => (own(p) ? `${bodyPath(p.path.slice((base as string).length).replace(/^\./, ""))}: ${p.message}` : formatProblem(p)));
    throw new ApiProblem(400, "UPBEAT_CONFIG_INVALID", text.join("; "));
  }

  /** Creates (`create`: refusing an existing name) or replaces an API object; returns it and whether it is new. */
  put(kind: ApiObjectKind, urlName: string | undefined, body: unknown, author: string, create: boolean): Promise<{ object: ApiObject; created: boolean }> {
    return this.serial(async () => {
      const named = urlName ?? (typeof (body as { name?: unknown } | null)?.name === "string" ? (body as { name: string }).name : undefined);
      const origin = named === undefined ? undefined : this.originForWrite(kind, named);
      const previous = named === undefined ? undefined : await getApiObject(this.o.store.db, kind, named);
      if (create && previous) throw new ApiProblem(409, "UPBEAT_ALREADY_EXISTS", `${kind} "${named}" already exists; change it with PUT`);
      if (origin) throw origin;
      const { name, spec } = specOf(kind, urlName, body, previous, this.o.registry);
      const now = (this.o.now ?? Date.now)();
      const draft: ApiObject = { kind, name, spec, author, createdAt: previous?.createdAt ?? now, updatedAt: now };
      const next = this.candidate([...this.current.objects.filter((o) => !(o.kind === kind && o.name === name)), draft], { kind, name });
      const object = await putApiObject(this.o.store.db, { kind, name, spec, author }, now);
      this.stored = [...this.stored.filter((o) => !(o.kind === kind && o.name === name)), object];
      this.publish({ ...next, objects: next.objects.map((o) => (o === draft ? object : o)) });
      this.o.log.info({ kind, name, author, created: !previous }, previous ? "API object changed" : "API object created");
      return { object, created: !previous };
    });
  }

  /** The refusal of a write to a name a file defines. */
  private originForWrite(kind: ApiObjectKind, name: string): ApiProblem | undefined {
    const o = this.origin(kind, name);
    return o?.readOnly ? new ApiProblem(409, "UPBEAT_DEFINED_IN_FILE", `${kind} "${name}" is defined in ${o.source}; change it there (objects from files are read-only in the API)`) : undefined;
  }

  /** What uses a channel: routes, digests, monitors. */
  channelUsers(name: string): ChannelUser[] {
    const out: ChannelUser[] = [];
    type Node = { channels?: string[]; routes?: Node[] };
    const walk = (r: Node | undefined, path: string, label: (path: string) => string) => {
      if (!r) return;
      if (r.channels?.includes(name)) out.push(label(path));
      (r.routes ?? []).forEach((c, i) => walk(c, `${path}.routes[${i}]`, label));
    };
    const files = this.current.files;
    walk(files.routes?.root, "routes", (p) => `route ${p} in ${files.routes?.file ?? ""}`);
    for (const o of this.current.objects.filter((x) => x.kind === "route")) walk(o.spec as Node, "", (p) => `route "${o.name}"${p ? ` (at ${p.slice(1)})` : ""}`);
    for (const d of files.digests ?? []) if (d.channels.includes(name)) out.push(`digest "${d.name}"`);
    for (const id of this.monitorsUsing(name)) out.push(`monitor "${id}"`);
    return out;
  }

  /** Deletes an API object; false when there is none. */
  remove(kind: ApiObjectKind, name: string): Promise<boolean> {
    return this.serial(async () => {
      const refused = this.originForWrite(kind, name);
      if (refused) throw refused;
      if (!this.stored.some((o) => o.kind === kind && o.name === name)) return false;
      if (kind === "channel" && this.current.objects.some((o) => o.kind === "channel" && o.name === name)) {
        const users = this.channelUsers(name);
        if (users.length) throw new ApiProblem(409, "UPBEAT_CHANNEL_IN_USE", `channel "${name}" is used by ${users.slice(0, 10).join(", ")}${users.length > 10 ? ` and ${users.length - 10} more` : ""}; change those first`);
      }
      const next = this.candidate(this.current.objects.filter((o) => !(o.kind === kind && o.name === name)));
      await deleteApiObject(this.o.store.db, kind, name);
      this.stored = this.stored.filter((o) => !(o.kind === kind && o.name === name));
      this.publish(next);
      this.o.log.info({ kind, name }, "API object deleted");
      return true;
    });
  }
}
