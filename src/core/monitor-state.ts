/**
 * The monitor state machine, shared by probes, heartbeats and agents. Pure: state + event +
 * policy → next state + effects. No I/O and no clock: times come in with the events.
 */
import { durationWords } from "./duration-words.ts";
import type { Health, Observation } from "./types.ts";

/** What a user sees for a monitor. */
export type MonitorStatus = "pending" | "up" | "degraded" | "down" | "paused" | "maintenance";

/** One incident: a period during which a monitor was down. */
export interface Incident {
  /** Number per monitor, from 1. */
  number: number;
  /** Epoch ms when it opened (the observation that crossed the threshold). */
  openedAt: number;
  /** Why: the reason of the failure that opened it. */
  cause: string;
  /** Epoch ms when it was resolved. */
  resolvedAt?: number;
  /** Seconds between opening and resolution. */
  durationSec?: number;
  /** How it ended: the monitor recovered, or it was removed from the configuration. */
  resolution?: "recovered" | "removed";
}

/** Everything the state machine remembers about one monitor. */
export interface MonitorState {
  /** Monitor id. */
  monitorId: string;
  /** Current status. */
  status: MonitorStatus;
  /** Epoch ms of the last status change. */
  since: number;
  /** Failed observations in a row. */
  failures: number;
  /** Good observations in a row. */
  successes: number;
  /** The open incident, if any. */
  incident?: Incident;
  /** The last incident number used. */
  lastIncidentNumber: number;
  /** Epoch ms of the last reminder for the open incident. */
  lastReminderAt?: number;
}

/** How a monitor turns observations into incidents. */
export interface StatePolicy {
  /** Consecutive failures that open an incident. */
  failureThreshold: number;
  /** Consecutive successes that resolve one. */
  successThreshold: number;
  /** Period of reminders while an incident stays open; none when absent. */
  reminderIntervalMs?: number;
}

/** What a transition asks the rest of the system to do (persisted before it is carried out). */
export type Effect =
  | { type: "state.changed"; monitorId: string; at: number; from: MonitorStatus; to: MonitorStatus; reason?: string }
  | { type: "incident.opened"; monitorId: string; at: number; incident: Incident; observation?: Observation }
  | { type: "incident.resolved"; monitorId: string; at: number; incident: Incident; durationText: string; observation?: Observation }
  | { type: "reminder.due"; monitorId: string; at: number; incident: Incident; openForSec: number };

/** A next state and the effects of getting there. */
export interface Step {
  /** The state after the event. */
  state: MonitorState;
  /** Effects, in order. */
  effects: Effect[];
}

/** The state of a monitor never observed. */
export function initialState(monitorId: string, at: number): MonitorState {
  return { monitorId, status: "pending", since: at, failures: 0, successes: 0, lastIncidentNumber: 0 };
}

function withStatus(s: MonitorState, to: MonitorStatus, at: number, effects: Effect[], reason?: string): MonitorState {
  if (s.status === to) return s;
  effects.push({ type: "state.changed", monitorId: s.monitorId, at, from: s.status, to, ...(reason ? { reason } : {}) });
  return { ...s, status: to, since: at };
}

function resolve(s: MonitorState, at: number, resolution: Incident["resolution"], effects: Effect[], observation?: Observation): MonitorState {
  const open = s.incident as Incident;
  const durationSec = Math.max(0, (at - open.openedAt) / 1000);
  const incident: Incident = { ...open, resolvedAt: at, durationSec, resolution };
  effects.push({ type: "incident.resolved", monitorId: s.monitorId, at, incident, durationText: durationWords(durationSec), ...(observation ? { observation } : {}) });
  const { incident: _closed, lastReminderAt: _r, ...rest } = s;
  return rest;
}

function onFailure(s: MonitorState, o: Observation, p: StatePolicy, effects: Effect[]): MonitorState {
  let next: MonitorState = { ...s, failures: s.failures + 1, successes: 0 };
  if (next.incident || next.failures < p.failureThreshold) return next.incident ? withStatus(next, "down", o.at, effects, o.reason) : next;
  const incident: Incident = { number: s.lastIncidentNumber + 1, openedAt: o.at, cause: o.reason ?? "down" };
  next = withStatus({ ...next, incident, lastIncidentNumber: incident.number, lastReminderAt: o.at }, "down", o.at, effects, o.reason);
  effects.push({ type: "incident.opened", monitorId: s.monitorId, at: o.at, incident, observation: o });
  return next;
}

function onSuccess(s: MonitorState, o: Observation, p: StatePolicy, effects: Effect[]): MonitorState {
  const health: Health = o.health;
  let next: MonitorState = { ...s, successes: s.successes + 1, failures: 0 };
  if (next.incident) {
    if (next.successes < p.successThreshold) return next;
    next = resolve(next, o.at, "recovered", effects, o);
  }
  return withStatus(next, health === "degraded" ? "degraded" : "up", o.at, effects, health === "degraded" ? o.reason : undefined);
}

/** Applies one observation. Paused monitors ignore it; in maintenance it never opens an incident. */
export function advance(s: MonitorState, o: Observation, p: StatePolicy): Step {
  const effects: Effect[] = [];
  if (s.status === "paused") return { state: s, effects };
  if (s.status === "maintenance") {
    // A failure during maintenance opens nothing; a recovery still resolves an earlier incident
    // (the record must be right; whether to notify is the alerting layer's call). Status stays.
    if (o.health === "down" || !s.incident) return { state: s, effects };
    const after = onSuccess(s, o, p, effects);
    return { state: { ...after, status: "maintenance", since: s.since }, effects: effects.filter((e) => e.type !== "state.changed") };
  }
  const state = o.health === "down" ? onFailure(s, o, p, effects) : onSuccess(s, o, p, effects);
  return { state, effects };
}

/** Emits a reminder when an incident has been open for another reminder period. */
export function tick(s: MonitorState, at: number, p: StatePolicy): Step {
  if (!s.incident || !p.reminderIntervalMs || s.status === "paused" || s.status === "maintenance") return { state: s, effects: [] };
  if (at - (s.lastReminderAt ?? s.incident.openedAt) < p.reminderIntervalMs) return { state: s, effects: [] };
  const openForSec = (at - s.incident.openedAt) / 1000;
  return { state: { ...s, lastReminderAt: at }, effects: [{ type: "reminder.due", monitorId: s.monitorId, at, incident: s.incident, openForSec }] };
}

/** Pauses: nothing is observed until resumed; an open incident stays open. */
export function pause(s: MonitorState, at: number): Step {
  const effects: Effect[] = [];
  return { state: withStatus({ ...s, failures: 0, successes: 0 }, "paused", at, effects), effects };
}

/** Resumes a paused monitor, or ends its maintenance: pending until the next observation. */
export function resume(s: MonitorState, at: number): Step {
  const effects: Effect[] = [];
  if (s.status !== "paused" && s.status !== "maintenance") return { state: s, effects };
  return { state: withStatus({ ...s, failures: 0, successes: 0 }, s.incident ? "down" : "pending", at, effects), effects };
}

/** Enters maintenance: no incident opens until it ends. */
export function enterMaintenance(s: MonitorState, at: number): Step {
  const effects: Effect[] = [];
  if (s.status === "paused") return { state: s, effects };
  return { state: withStatus({ ...s, failures: 0, successes: 0 }, "maintenance", at, effects), effects };
}

/** The monitor left the configuration: an open incident is closed as `removed`. */
export function remove(s: MonitorState, at: number): Step {
  const effects: Effect[] = [];
  if (!s.incident) return { state: s, effects };
  return { state: resolve(s, at, "removed", effects), effects };
}

const RANK: Record<MonitorStatus, number> = { down: 5, degraded: 4, pending: 3, up: 2, maintenance: 1, paused: 0 };

/** A group's status: its worst member (down, degraded, pending, up, maintenance, paused). */
export function worstStatus(statuses: Iterable<MonitorStatus>): MonitorStatus {
  let worst: MonitorStatus | undefined;
  for (const s of statuses) if (worst === undefined || RANK[s] > RANK[worst]) worst = s;
  return worst ?? "pending";
}
