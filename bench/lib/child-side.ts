/** Child side of the harness protocol: messages to and from the parent, and a safe exit. */
import type { Message } from "./child.ts";

/** Sends a message to the harness. */
export function toParent(msg: Message): void {
  if (!process.send) throw new Error("not started by the bench harness (no IPC channel)");
  process.send(msg);
}

/** Resolves with the next message of this type from the harness. */
export function fromParent(type: string): Promise<Message> {
  return new Promise((resolve) => {
    const on = (m: Message) => {
      if (m.type !== type) return;
      process.off("message", on);
      resolve(m);
    };
    process.on("message", on);
  });
}

/**
 * Ties the child's life to the harness: exits when the harness goes away, and after `capMs`
 * in any case, so no target or prober outlives a run.
 */
export function boundLifetime(capMs: number, onStop: () => void = () => process.exit(0)): void {
  process.once("disconnect", () => process.exit(0));
  setTimeout(() => process.exit(3), capMs).unref();
  void fromParent("stop").then(onStop);
}

/** Reports a fatal error to the harness (printed there) and exits once the message is sent. */
export function fail(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (process.send && process.connected) process.send({ type: "error", message }, () => process.exit(1));
  else {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}
