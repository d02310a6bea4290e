/** In-process CPU profiling of a measured window (node:inspector; same JSON as `node --cpu-prof`). */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/** A running profile; `stop` writes the .cpuprofile file. */
export interface RunningProfile {
  /** Stops sampling and writes the profile to the path given at start. */
  stop(): Promise<void>;
}

/** Starts sampling this process every `intervalUs` microseconds. */
export async function startProfile(path: string, intervalUs = 1000): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  return {
    stop: async () => {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      writeFileSync(path, JSON.stringify(profile));
    },
  };
}
