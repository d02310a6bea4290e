/**
 * Upbeat's HTTP prober path: `runCheck(monitor, { probes })` for a CLI-style monitor of the
 * target URL (probe, assertions, outcome, observation), as the engine and `upbeat check` run it.
 */
import type { Monitor } from "../../src/config/model.ts";
import { resolveSettings } from "../../src/config/settings.ts";
import { runCheck } from "../../src/probes/run.ts";
import type { ProbeRegistry } from "../../src/probes/types.ts";
import { proberMain } from "../lib/prober-main.ts";

/** The project's registry; if it cannot load (a probe kind being rewritten), HTTP alone is enough here. */
async function registry(): Promise<{ probes: ProbeRegistry; info: string }> {
  try {
    return { probes: (await import("../../src/probes/registry.ts")).PROBES, info: "registry PROBES from src/probes/registry.ts" };
  } catch (err) {
    process.stderr.write(`bench: src/probes/registry.ts did not load (${String(err)}); using { http: httpProbe }\n`);
    const { httpProbe } = await import("../../src/probes/http.ts");
    return { probes: { http: httpProbe } as unknown as ProbeRegistry, info: "local registry { http: httpProbe } (src/probes/registry.ts did not load)" };
  }
}

function monitorFor(url: string): Monitor {
  return {
    id: "bench-probe-http",
    name: "bench probe-http",
    kind: "http",
    check: { type: "http", name: "bench probe-http", url },
    groupPath: [],
    settings: resolveSettings({ timeout: "10s" }),
    source: { format: "cli" },
  };
}

proberMain(async (url) => {
  const { probes, info } = await registry();
  const monitor = monitorFor(url);
  return { task: async () => (await runCheck(monitor, { probes })).health === "up", info };
});
