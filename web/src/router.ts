/** Hash routes (`#/monitors/<id>`): the server serves one page, so no fallback is needed. */
import { useEffect, useState } from "preact/hooks";

/** The current route: path segments (decoded) and query parameters. */
export interface Route {
  /** Segments after `#/`, decoded. */
  parts: string[];
  /** Query parameters after `?`. */
  params: URLSearchParams;
}

/** Parses a location hash. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q >= 0 ? raw.slice(0, q) : raw;
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : "") };
}

/** A hash for segments and parameters (empty values left out). */
export function href(parts: string[], params: Record<string, string | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return `#/${parts.map(encodeURIComponent).join("/")}${s ? `?${s}` : ""}`;
}

/** Goes to a hash; `replace` leaves no history entry (filter changes). */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else location.hash = to;
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** The current route, updated on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
