/** Parent side of a benchmark child process: start it under tsx, talk over IPC, measure its CPU, stop it. */
import { type ChildProcess, fork } from "node:child_process";
import { type ProcCpu, procCpu } from "./proc-cpu.ts";

/** A message between the harness and a child: a `type` and any JSON fields. */
export interface Message {
  /** What the message is. */
  type: string;
  [field: string]: unknown;
}

/** How to start a child. */
export interface ChildOptions {
  /** Arguments after the file name. */
  args?: string[];
  /** Extra Node flags (before `--import tsx`). */
  nodeFlags?: string[];
  /** Hard wall-time cap: the child is killed past it, whatever it is doing. */
  capMs: number;
}

/** A running child process. */
export interface ChildHandle {
  /** OS process id. */
  pid: number;
  /** CPU-seconds the child has used so far, user and system (from /proc). */
  cpu(): ProcCpu;
  /** Sends a message. */
  send(msg: Message): void;
  /** Resolves with the next message of this type; rejects on exit or after `timeoutMs`. */
  waitFor(type: string, timeoutMs: number): Promise<Message>;
  /** Asks the child to stop, then kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
// A harness that dies (error, Ctrl-C) must not leave targets listening or probers running.
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `file` as `node [flags] --import tsx file args…` with an IPC channel. */
export function startChild(file: string, o: ChildOptions): ChildHandle {
  const child = fork(file, o.args ?? [], { execArgv: [...(o.nodeFlags ?? []), "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  live.add(child);
  const cap = setTimeout(() => child.kill("SIGKILL"), o.capMs);
  cap.unref();
  child.once("exit", () => {
    clearTimeout(cap);
    live.delete(child);
  });
  const pid = child.pid;
  return {
    pid,
    cpu: () => procCpu(pid),
    send: (msg) => void child.send(msg),
    waitFor: (type, timeoutMs) => waitForMessage(child, file, type, timeoutMs),
    stop: async (graceMs = 5000) => {
      if (child.connected) child.send({ type: "stop" });
      const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited(child);
      clearTimeout(t);
    },
  };
}

function waitForMessage(child: ChildProcess, file: string, type: string, timeoutMs: number): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Message) => {
      if (m.type === "error") return settle(new Error(`${file}: ${String(m.message)}`));
      if (m.type === type) settle(undefined, m);
    };
    const onExit = (code: number | null, signal: string | null) => settle(new Error(`${file} exited (${signal ?? code}) before "${type}"`));
    const timer = setTimeout(() => settle(new Error(`${file}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    function settle(err?: Error, m?: Message) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(m as Message);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
