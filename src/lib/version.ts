/** Upbeat's version, reported by `--version`, `/version` (Lovebeat's API) and the API. */
export const UPBEAT_VERSION = "0.1.0";
