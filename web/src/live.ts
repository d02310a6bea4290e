/**
 * The live connection: one EventSource to `/api/v1/events` shared by every view. The browser
 * reconnects by itself; after a reconnect or a `resync` the views fetch their data again, since
 * events may have been missed meanwhile.
 */
import type { State } from "./types.ts";

/** A state change. */
export interface StatusEvent {
  id: string;
  from: State;
  to: State;
  at: number;
  /** The incident's cause, when it went down. */
  reason?: string;
}

/** A result (the latest of a monitor within a batch). */
export interface ResultEvent {
  id: string;
  health: "up" | "degraded" | "down";
  latencyMs: number | null;
  at: number;
}

/** What a view hears. */
export interface LiveListener {
  status?(e: StatusEvent): void;
  results?(batch: ResultEvent[]): void;
  /** Data may be stale (a reconnect, or the server dropped events): fetch again. */
  resync?(): void;
}

/** Whether the stream is up. */
export type LiveState = "connecting" | "live" | "offline";

const listeners = new Set<LiveListener>();
const stateListeners = new Set<(s: LiveState) => void>();
let source: EventSource | undefined;
let state: LiveState = "connecting";
let hellos = 0;

function setState(s: LiveState): void {
  if (s === state) return;
  state = s;
  for (const fn of stateListeners) fn(s);
}

function emit<K extends keyof LiveListener>(k: K, ...args: Parameters<NonNullable<LiveListener[K]>>): void {
  for (const l of listeners) (l[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
}

/** Opens the stream (once); `onDenied` is called when the server refuses it (logged out). */
export function connectLive(onDenied: () => void): void {
  if (source) return;
  const es = new EventSource("/api/v1/events");
  source = es;
  es.addEventListener("hello", () => {
    setState("live");
    // The first hello follows the first load; later ones follow a gap.
    if (hellos++ > 0) emit("resync");
  });
  es.addEventListener("status", (m) => emit("status", JSON.parse((m as MessageEvent<string>).data) as StatusEvent));
  es.addEventListener("result", (m) => emit("results", JSON.parse((m as MessageEvent<string>).data) as ResultEvent[]));
  es.addEventListener("resync", () => emit("resync"));
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      // A refusal (401) closes the source for good; anything else is retried by the browser.
      disconnectLive();
      setState("offline");
      onDenied();
      return;
    }
    setState("connecting");
  };
}

/** Closes the stream (logout). */
export function disconnectLive(): void {
  source?.close();
  source = undefined;
  hellos = 0;
}

/** Listens until the returned function is called. */
export function listen(l: LiveListener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Follows the stream's state. */
export function onLiveState(fn: (s: LiveState) => void): () => void {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
