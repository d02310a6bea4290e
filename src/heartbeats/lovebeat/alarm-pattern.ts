/** Lovebeat alarm definitions (compat §2.7, `service/alarm.go`): glob patterns, membership and alarm names. */

/** One `[[alarms]]` entry of the Lovebeat config. */
export interface LovebeatAlarmDef {
  /** Alarm name template; `$word` is replaced by the part of the service name that `$word` matched. */
  name: string;
  /** A glob, appended to `includes`. */
  pattern?: string;
  /** Globs; the first that matches a service puts it in the alarm (and names it). */
  includes?: readonly string[];
  /** Globs; any that matches keeps a service out of the alarm. */
  excludes?: readonly string[];
  /** Alert ids (keys of `[alerts.*]`) notified when the alarm changes state. */
  alerts?: readonly string[];
}

/** A glob compiled to an anchored regular expression. */
export interface CompiledPattern {
  /** The glob as written. */
  glob: string;
  /** `^…$`, with `*` → `.*` and `$word` → `([^.]+)`. */
  regex: RegExp;
  /** The `$word` name of each capture group, in order (names may repeat). */
  groupNames: string[];
}

/** An alarm definition ready for matching. */
export interface CompiledAlarm {
  /** The name template (`name` of the definition). */
  template: string;
  /** Alert ids of the definition. */
  alerts: readonly string[];
  /** `includes`, then `pattern` if set. */
  includes: CompiledPattern[];
  /** `excludes`. */
  excludes: CompiledPattern[];
}

/** One alarm a service belongs to. */
export interface AlarmMembership {
  /** Index of the definition in the list given to {@link alarmsFor}. */
  index: number;
  /** The definition's name template. */
  template: string;
  /** The expanded alarm name. */
  name: string;
}

const REGEX_META = /[\\.+*?()|[\]{}^$]/;

/**
 * Compiles a glob the way `makePattern` does: every regex metacharacter literal, except `*`
 * (any characters, across dots) and `$word` (`[a-z]+`: one dot-free segment, captured).
 */
export function compilePattern(glob: string): CompiledPattern {
  let source = "";
  const groupNames: string[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      source += ".*";
      continue;
    }
    if (c === "$") {
      const word = /^[a-z]+/.exec(glob.slice(i + 1))?.[0];
      if (word) {
        // Plain groups, names kept aside: Go allows a name twice, JavaScript does not.
        source += "([^.]+)";
        groupNames.push(word);
        i += word.length;
        continue;
      }
    }
    source += REGEX_META.test(c) ? `\\${c}` : c;
  }
  return { glob, regex: new RegExp(`^${source}$`, "u"), groupNames };
}

/** Compiles an alarm definition; `pattern` is appended to `includes` (`load.go:15-17`). */
export function compileAlarm(def: LovebeatAlarmDef): CompiledAlarm {
  const includes = [...(def.includes ?? [])];
  if (def.pattern) includes.push(def.pattern);
  return {
    template: def.name,
    alerts: [...(def.alerts ?? [])],
    includes: includes.map(compilePattern),
    excludes: (def.excludes ?? []).map(compilePattern),
  };
}

/**
 * Replaces every `$word` (`[a-z]+`, greedy) in `template` by the captured value of that name;
 * an unknown word becomes the bare word (`$foo` → `foo`).
 */
export function expandAlarmName(template: string, groups: ReadonlyMap<string, string>): string {
  return template.replace(/\$([a-z]+)/g, (_, word: string) => groups.get(word) ?? word);
}

/** The name of the alarm `service` is in under this definition, or undefined if it is not in it. */
export function alarmNameFor(service: string, alarm: CompiledAlarm): string | undefined {
  let match: RegExpExecArray | undefined;
  let include: CompiledPattern | undefined;
  for (const p of alarm.includes) {
    const m = p.regex.exec(service);
    if (m) {
      match = m;
      include = p;
      break;
    }
  }
  if (!match || !include) return undefined;
  if (alarm.excludes.some((p) => p.regex.test(service))) return undefined;
  const groups = new Map<string, string>();
  // A repeated name keeps the last capture, as Go's map filled in group order.
  include.groupNames.forEach((word, i) => groups.set(word, match[i + 1] ?? ""));
  const name = expandAlarmName(alarm.template, groups);
  // Lovebeat treats an empty name as "not in this alarm" (`update.go:10`).
  return name === "" ? undefined : name;
}

/** Every alarm `service` belongs to, one per matching definition, in definition order. */
export function alarmsFor(service: string, alarms: readonly CompiledAlarm[]): AlarmMembership[] {
  const out: AlarmMembership[] = [];
  alarms.forEach((alarm, index) => {
    const name = alarmNameFor(service, alarm);
    if (name !== undefined) out.push({ index, template: alarm.template, name });
  });
  return out;
}
