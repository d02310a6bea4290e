/**
 * Loaded with `--import` into a process the harness did not write (`upbeat serve`), in its main
 * thread: the process stops (SIGTERM, so it shuts down as it would for an operator) when the
 * harness goes away and is killed past its cap (UPBEAT_BENCH_CAP_MS), so no server outlives a
 * benchmark. Over IPC it also answers `loop` with the event-loop delay and GC pauses since the
 * last `loop` (bench/lib/pause-watch.ts: how long the loop was blocked, and how much of it was
 * the garbage collector) and runs the V8 profiler between `profile-start { path }` and `profile-stop`.
 */
import { type RunningProfile, startProfile } from "./cpu-profile.ts";
import type { Message } from "./child.ts";
import { watchPauses } from "./pause-watch.ts";

const capMs = Number(process.env.UPBEAT_BENCH_CAP_MS ?? "0");
if (capMs > 0) setTimeout(() => process.kill(process.pid, "SIGKILL"), capMs).unref();

const pauses = watchPauses();
let profile: RunningProfile | undefined;

const reply = (msg: Message) => process.send?.(msg);

async function onMessage(m: Message): Promise<void> {
  if (m.type === "loop") {
    reply({ type: "loop", ...pauses.take() });
  } else if (m.type === "profile-start") {
    profile = await startProfile(String(m.path), { threads: true });
    reply({ type: "profiling" });
  } else if (m.type === "profile-stop") {
    await profile?.stop();
    profile = undefined;
    reply({ type: "profiled" });
  }
}

if (process.connected) {
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
  process.on("message", (m: Message) => void onMessage(m).catch((e: unknown) => reply({ type: "error", message: String(e) })));
}
