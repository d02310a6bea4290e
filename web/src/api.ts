/** Calls to Upbeat's API: JSON in and out, the session's CSRF token on writes, one error shape. */

/** An error answered by the API (`{ code, message, statusCode }`) or a network failure (status 0). */
export class ApiError extends Error {
  /** HTTP status (0: no answer). */
  readonly status: number;
  /** Upbeat's stable code (`UPBEAT_…`). */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | null = null;
const unauthenticated = new Set<() => void>();

/** Remembers the CSRF token given at login (sent with every write). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Calls `fn` whenever a call is refused for want of a login (the session ended). */
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticated.add(fn);
  return () => unauthenticated.delete(fn);
}

/** One call; resolves with the parsed body (undefined for 204), rejects with an ApiError. */
export async function api<T>(method: string, path: string, body?: unknown, o: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiError(0, "NETWORK", `cannot reach Upbeat: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string };
    if (res.status === 401 && !o.quiet401) for (const fn of unauthenticated) fn();
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? (text.slice(0, 200) || res.statusText));
  }
  return json as T;
}

/** GET shorthand. */
export const get = <T>(path: string, o?: { quiet401?: boolean }): Promise<T> => api<T>("GET", path, undefined, o);

/** A query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** A monitor id as one path segment (ids contain `/`). */
export const monitorPath = (id: string): string => `/api/v1/monitors/${encodeURIComponent(id)}`;
