/** `upbeat validate <files…>`: print every problem in the files; exit 0 when there is no error, 2 otherwise. */
import { loadFiles } from "../config/load.ts";
import { formatProblem, hasErrors } from "../config/problems.ts";

/** Runs the command and returns its exit code. */
export async function validateCommand(files: string[], io: { env: Readonly<Record<string, string | undefined>>; out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (!files.length) {
    io.err("upbeat validate: name at least one file");
    return 2;
  }
  const { config, problems } = await loadFiles(files, { env: io.env });
  for (const p of problems) io.err(formatProblem(p));
  if (hasErrors(problems)) {
    io.err(`${problems.filter((p) => p.severity === "error").length} error(s); nothing would start`);
    return 2;
  }
  const paused = config.monitors.filter((m) => m.settings.paused).length;
  io.out(`ok: ${config.monitors.length} monitor(s) in ${files.length} file(s)${paused ? `, ${paused} paused` : ""}\n`);
  return 0;
}
