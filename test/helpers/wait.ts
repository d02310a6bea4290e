/** Polling for a condition in tests, bounded in time. */

/** Resolves with the first truthy value of `fn`, or rejects after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 5000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
