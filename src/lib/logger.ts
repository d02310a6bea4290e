/** The process logger: pino, JSON lines, level from `UPBEAT_LOG_LEVEL` (or Cupcake's `DEBUG`). */
import pino, { type Logger } from "pino";

/** Creates the logger from the environment passed in (main owns process.env). */
export function createLogger(env: Readonly<Record<string, string | undefined>>): Logger {
  const debug = /^(y|yes|t|true|on|1)$/i.test(env.DEBUG ?? "");
  return pino({ name: "upbeat", level: env.UPBEAT_LOG_LEVEL ?? (debug ? "debug" : "info") });
}
