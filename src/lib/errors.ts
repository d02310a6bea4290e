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
