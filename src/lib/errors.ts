/** Stable codes for Upbeat's own errors (never for a failing target: that is an outcome). */
export type UpbeatErrorCode =
  | "UPBEAT_CONFIG_INVALID"
  | "UPBEAT_CONFIG_UNREADABLE"
  | "UPBEAT_USAGE"
  | "UPBEAT_INTERNAL";

/** An error of Upbeat itself, carrying a stable code and the exit code it maps to. */
export class UpbeatError extends Error {
  /** Builds an error with its stable code; `exitCode` is what the CLI exits with. */
  constructor(
    readonly code: UpbeatErrorCode,
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "UpbeatError";
  }
}

/** The message of anything thrown, for logs and outcomes. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The `code` of a Node.js system error (`ECONNREFUSED`, …), if any. */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}
