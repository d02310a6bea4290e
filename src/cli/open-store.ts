/** Opens the store a configuration selects (database.url, Cupcake's DB_* variables, or the data directory), for the commands that need it. */
import type { Logger } from "pino";
import { parseCupcakeEnv } from "../config/cupcake-env.ts";
import type { UpbeatConfig } from "../config/model.ts";
import { errorMessage } from "../lib/errors.ts";
import { openStore, type StoreSpec, storeSpec } from "../store/open.ts";
import type { Store } from "../store/types.ts";

/** The store and how to name it, or undefined after printing why it could not be opened. */
export async function openConfiguredStore(config: UpbeatConfig, dataDir: string, env: Readonly<Record<string, string | undefined>>, err: (s: string) => void, log?: Logger): Promise<{ store: Store; spec: StoreSpec; label: string } | undefined> {
  const spec = storeSpec({ url: config.database?.url, dataDir, cupcake: parseCupcakeEnv(env).value, cupcakeDbSet: env.DB_TYPE !== undefined || env.DB_NAME !== undefined });
  const label = spec.kind === "sqlite" ? spec.file : spec.label;
  try {
    return { store: await openStore(spec, log ? { log } : {}), spec, label };
  } catch (e) {
    err(`upbeat: cannot open the database ${label}: ${errorMessage(e)}`);
    return undefined;
  }
}
