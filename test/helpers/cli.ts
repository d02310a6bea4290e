/** Runs the `upbeat` command from source as a real process. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** The admin API key every server started by tests accepts (`UPBEAT_ADMIN_API_KEY`). */
export const TEST_API_KEY = "upb_e2e_tests_admin_key_0123456789";
/** The first admin's password of servers started by tests (`UPBEAT_ADMIN_PASSWORD`). */
export const TEST_ADMIN_PASSWORD = "e2e-admin-password";
/** Headers that authenticate a request to `/api/v1` as the admin key. */
export const API_HEADERS = { authorization: `Bearer ${TEST_API_KEY}` } as const;

/** `fetch` with the admin key (for `/api/v1` routes of a server started by tests). */
export function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...API_HEADERS, ...(init.headers as Record<string, string> | undefined) } });
}

// Servers started by tests take any free statsd port, so tests running side by side never collide on 8127.
const BASE_ENV = { NO_COLOR: "1", UPBEAT_STATSD: "127.0.0.1:0", UPBEAT_ADMIN_API_KEY: TEST_API_KEY, UPBEAT_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD };

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
