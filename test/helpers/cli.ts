/** Runs the `upbeat` command from source as a real process. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

// Servers started by tests take any free statsd port, so tests running side by side never collide on 8127.
const BASE_ENV = { NO_COLOR: "1", UPBEAT_STATSD: "127.0.0.1:0" };

/** What a finished command printed and returned. */
export interface CliResult {
  /** Exit code. */
  code: number | null;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `upbeat <args>` to completion (killed after `timeoutMs`). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `upbeat <args>` and returns the live process (for servers). */
export function startCli(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env: { ...process.env, ...BASE_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** Starts `upbeat serve --listen 127.0.0.1:<port> <args>` and waits until `/readyz` answers OK. */
export async function startServeReady(port: number, args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = startCli(["serve", "--listen", `127.0.0.1:${port}`, ...args], env);
  try {
    await waitFor("ready", () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), 15_000, 50);
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  return child;
}
