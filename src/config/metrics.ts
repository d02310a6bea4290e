/** The `metrics` section in its runtime form. */

/** Settings of `/metrics`. */
export interface MetricsConfig {
  /** Serve `/metrics`. */
  enabled: boolean;
  /** Bearer token required, when set. */
  token?: string;
  /** The file that set it. */
  file: string;
}

/** The `/metrics` settings when no file gives them: on and public. */
export const DEFAULT_METRICS: Omit<MetricsConfig, "file"> = { enabled: true };

/** The `metrics` section (the schema has checked its shape). */
export function metricsOf(file: string, raw: unknown): MetricsConfig | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const m = raw as { enabled?: unknown; token?: unknown };
  return { enabled: m.enabled !== false, ...(typeof m.token === "string" ? { token: m.token } : {}), file };
}
