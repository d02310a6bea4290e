/** Cupcake's environment variables (compat §1.2), parsed with its rules and checked all at once. */
import type { ConfigProblem } from "./problems.ts";

/** Cupcake's settings from the environment, with the Docker image's defaults. */
export interface CupcakeEnv {
  /** `DEBUG`. */
  debug: boolean;
  /** `SLEEP_SECONDS`: pause between cycles, used as the monitors' interval. */
  sleepSeconds: number;
  /** `ENDPOINT_DEFINITIONS_FILE`, when set. */
  endpointDefinitionsFile?: string;
  /** `ALERT_DEFINITIONS_FILE`, when set. */
  alertDefinitionsFile?: string;
  /** `METRICS_DEFINITIONS_FILE`, when set. */
  metricsDefinitionsFile?: string;
  /** `CONNECTION_TIMEOUT_SECONDS`: timeout of HTTP(S) and TCP checks. */
  connectionTimeoutSeconds: number;
  /** `DB_TYPE`: anything but `postgresql` means SQLite. */
  dbType: "sqlite" | "postgresql";
  /** `DB_NAME`: SQLite file or PostgreSQL database. */
  dbName: string;
  /** `DB_HOST` (`host` or `host:port`). */
  dbHost?: string;
  /** `DB_USER`. */
  dbUser?: string;
  /** `DB_PASSWORD`. */
  dbPassword?: string;
  /** `SUMMARY_ENABLED`. */
  summaryEnabled: boolean;
  /** `SUMMARY_SLEEP_SECONDS`. */
  summarySleepSeconds: number;
  /** `MAX_WORKERS`: probes run at once. */
  maxWorkers: number;
  /** `SHOW_BODY_IN_DEBUG_ON_UNEXPECTED_STATUS`. */
  showBodyOnUnexpectedStatus: boolean;
  /** `REMOVE_UNKNOWN_ACTIVES`. */
  removeUnknownActives: boolean;
}

const TRUE = new Set(["y", "yes", "t", "true", "on", "1"]);
const FALSE = new Set(["n", "no", "f", "false", "off", "0"]);

/** Reads Cupcake's variables from `env`; malformed values are problems naming the variable. */
export function parseCupcakeEnv(env: Readonly<Record<string, string | undefined>>): { value: CupcakeEnv; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const bad = (name: string, message: string) => problems.push({ severity: "error", file: "env", path: name, message });
  const bool = (name: string, d: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === "") return d;
    const v = raw.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    bad(name, `"${raw}" is not a boolean (use true/false, yes/no, on/off, 1/0)`);
    return d;
  };
  const int = (name: string, d: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return d;
    if (!/^\s*-?\d+\s*$/.test(raw) || Number(raw) < min) {
      bad(name, `"${raw}" is not a whole number${min > 0 ? ` of at least ${min}` : ""}`);
      return d;
    }
    return Number(raw);
  };
  const str = (name: string) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const value: CupcakeEnv = {
    debug: bool("DEBUG", false),
    sleepSeconds: int("SLEEP_SECONDS", 60, 1),
    endpointDefinitionsFile: str("ENDPOINT_DEFINITIONS_FILE"),
    alertDefinitionsFile: str("ALERT_DEFINITIONS_FILE"),
    metricsDefinitionsFile: str("METRICS_DEFINITIONS_FILE"),
    connectionTimeoutSeconds: int("CONNECTION_TIMEOUT_SECONDS", 10, 1),
    dbType: env.DB_TYPE === "postgresql" ? "postgresql" : "sqlite",
    dbName: str("DB_NAME") ?? "cupcake.db",
    dbHost: str("DB_HOST"),
    dbUser: str("DB_USER"),
    dbPassword: str("DB_PASSWORD"),
    summaryEnabled: bool("SUMMARY_ENABLED", false),
    summarySleepSeconds: int("SUMMARY_SLEEP_SECONDS", 86400, 1),
    maxWorkers: int("MAX_WORKERS", 2, 1),
    showBodyOnUnexpectedStatus: bool("SHOW_BODY_IN_DEBUG_ON_UNEXPECTED_STATUS", false),
    removeUnknownActives: bool("REMOVE_UNKNOWN_ACTIVES", false),
  };
  return { value, problems };
}
