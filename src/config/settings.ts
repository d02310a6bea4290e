/** Inheritance of settings down the group tree, and conversion to base units. */
import { parseDurationMs } from "../lib/duration.ts";
import type { MonitorSettings, RetryMode } from "./model.ts";
import { type DefaultsInput, FLAPPING_DEFAULTS, SETTING_DEFAULTS } from "./schema/common.ts";

/** Settings as written at one level (every field optional). */
export type SettingsLayer = DefaultsInput;

/** Picks the inherited-setting keys out of a group or monitor object. */
export function settingsOf(obj: Record<string, unknown>): SettingsLayer {
  const out: Record<string, unknown> = {};
  for (const k of ["interval", "timeout", "retries", "retryDelay", "failureThreshold", "successThreshold", "thresholds", "labels", "alerts", "paused", "dependsOn", "flapping"]) {
    if (obj[k] !== undefined) out[k] = obj[k];
  }
  return out as SettingsLayer;
}

/** Lays `lower` over `upper`: scalars replace, labels and thresholds merge key by key, alerts replace. */
export function mergeSettings(upper: SettingsLayer, lower: SettingsLayer): SettingsLayer {
  return {
    ...upper,
    ...lower,
    labels: { ...upper.labels, ...lower.labels },
    thresholds: { ...upper.thresholds, ...lower.thresholds },
  };
}

/** Turns fully merged settings into base units, filling the defaults. */
export function resolveSettings(layer: SettingsLayer, retryMode: RetryMode = "standard"): MonitorSettings {
  const ms = (v: string | number | undefined, d: string) => parseDurationMs(v ?? d) ?? (parseDurationMs(d) as number);
  return {
    intervalMs: Math.max(1000, ms(layer.interval, SETTING_DEFAULTS.interval)),
    timeoutMs: ms(layer.timeout, SETTING_DEFAULTS.timeout),
    retries: layer.retries ?? SETTING_DEFAULTS.retries,
    retryDelayMs: ms(layer.retryDelay, SETTING_DEFAULTS.retryDelay),
    retryMode,
    failureThreshold: layer.failureThreshold ?? SETTING_DEFAULTS.failureThreshold,
    successThreshold: layer.successThreshold ?? SETTING_DEFAULTS.successThreshold,
    thresholds: { ...layer.thresholds },
    labels: { ...layer.labels },
    alerts: [...(layer.alerts ?? [])],
    paused: layer.paused ?? false,
    ...(layer.dependsOn?.length ? { dependsOn: [...layer.dependsOn] } : {}),
    ...flappingOf(layer.flapping, retryMode === "cupcake" ? false : FLAPPING_DEFAULTS),
  };
}

/** Flapping detection in base units; `false` (or a compat source's default) turns it off. */
function flappingOf(v: SettingsLayer["flapping"], d: false | { transitions: number; window: string }): Pick<MonitorSettings, "flapping"> {
  const f = v ?? d;
  if (f === false) return {};
  return { flapping: { transitions: f.transitions ?? FLAPPING_DEFAULTS.transitions, windowMs: parseDurationMs(f.window ?? FLAPPING_DEFAULTS.window) ?? 3_600_000 } };
}
