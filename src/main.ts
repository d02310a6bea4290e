/** Composition root: argv and environment → commands. The only module that reads process.env or exits. */
import { Command, InvalidArgumentError, Option } from "commander";
import { checkCommand } from "./cli/check.ts";
import { type RunOptions, runCommand } from "./cli/run.ts";
import { importCommand } from "./cli/import.ts";
import { type NotifyTestOptions, notifyTestCommand } from "./cli/notify.ts";
import { serveCommand } from "./cli/serve.ts";
import { UPBEAT_VERSION } from "./lib/version.ts";
import { validateCommand } from "./cli/validate.ts";
import { PROBES } from "./probes/registry.ts";

const env = process.env;
// The AWS SDK warns about Node 20 on its first client; Upbeat supports Node 20 and says so itself.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(`${s}\n`);
const color = Boolean(process.stdout.isTTY) && env.NO_COLOR === undefined;

function int(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}
function positiveInt(value: string): number {
  const n = int(value);
  if (n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** A number from the environment, parsed like its flag; a bad value stops the process with exit code 2, naming the variable. */
function fromEnv(name: string, parse: (v: string) => number): number | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  try {
    return parse(v);
  } catch (e) {
    err(`upbeat: ${name}=${JSON.stringify(v)}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}

/** Stops in-flight work on SIGINT/SIGTERM for the one-shot commands. */
function shutdownSignal(): AbortSignal {
  const ac = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => ac.abort(new Error(`received ${sig}`)));
  return ac.signal;
}

const program = new Command("upbeat")
  .description("Upbeat: probes, heartbeats, incidents and alerts in one self-hosted service.")
  .version(UPBEAT_VERSION)
  .showHelpAfterError()
  .exitOverride((e) => process.exit(e.exitCode === 1 ? 2 : e.exitCode));

program
  .command("serve", { isDefault: true })
  .description("run Upbeat: load the configuration and serve HTTP")
  .option("-c, --config <file...>", "configuration files (UPBEAT_CONFIG, comma-separated; or Cupcake's ENDPOINT_DEFINITIONS_FILE)")
  .option("-l, --listen <host:port>", "HTTP address (UPBEAT_LISTEN)", env.UPBEAT_LISTEN ?? env.UPBEAT_HTTP ?? "127.0.0.1:8080")
  .option("-d, --data <dir>", "data directory (UPBEAT_DATA)", env.UPBEAT_DATA ?? "./data")
  .option("--statsd <host:port>", "statsd (Lovebeat) address for UDP and TCP, or off (UPBEAT_STATSD)", env.UPBEAT_STATSD ?? "127.0.0.1:8127")
  .option("--lovebeat-config <file>", "Lovebeat's TOML config file (Lovebeat's -config; UPBEAT_LOVEBEAT_CONFIG)", env.UPBEAT_LOVEBEAT_CONFIG)
  .option("--lovebeat-config-dir <dir>", "Lovebeat's config directory (Lovebeat's -config-dir; UPBEAT_LOVEBEAT_CONFIG_DIR)", env.UPBEAT_LOVEBEAT_CONFIG_DIR)
  .addOption(new Option("--concurrency <n>", "checks run at once at most (UPBEAT_CONCURRENCY; default: a quarter of the open-file limit, 16 to 512)").argParser(positiveInt))
  .addOption(new Option("--probe-threads <n>", "worker threads that run the checks, 0 for the main thread (UPBEAT_PROBE_THREADS; default: cores minus one, 1 to 4)").argParser(int))
  .action(async (o: { config?: string[]; listen: string; data: string; statsd: string; lovebeatConfig?: string; lovebeatConfigDir?: string; concurrency?: number; probeThreads?: number }) => {
    const files = o.config ?? env.UPBEAT_CONFIG?.split(",").filter(Boolean) ?? (env.ENDPOINT_DEFINITIONS_FILE ? [env.ENDPOINT_DEFINITIONS_FILE] : []);
    const onReload = (fn: () => void) => process.on("SIGHUP", fn);
    const lb = { ...(o.lovebeatConfig ? { lovebeatConfig: o.lovebeatConfig } : {}), ...(o.lovebeatConfigDir ? { lovebeatConfigDir: o.lovebeatConfigDir } : {}) };
    const concurrency = o.concurrency ?? fromEnv("UPBEAT_CONCURRENCY", positiveInt);
    const probeThreads = o.probeThreads ?? fromEnv("UPBEAT_PROBE_THREADS", int);
    const code = await serveCommand({ files, listen: o.listen, dataDir: o.data, statsd: o.statsd, ...lb, ...(concurrency !== undefined ? { concurrency } : {}), ...(probeThreads !== undefined ? { probeThreads } : {}) }, { env, out, err, signal: shutdownSignal(), onReload });
    process.exit(code);
  });

program
  .command("check")
  .description("probe URLs or the monitors of config files once and print the results (exit 0 all pass, 1 a failure, 2 bad input)")
  .argument("<targets...>", "URLs (http(s)://, tcp://host:port, tls://host:port, dns://resolver/name?type=A) or config files")
  .option("--json", "print JSON")
  .option("-t, --timeout <duration>", "timeout per attempt for URLs (e.g. 5s)")
  .option("-r, --retries <n>", "extra attempts for URLs", int)
  .option("-k, --insecure", "do not verify TLS certificates of URLs")
  .option("--ca <file>", "trusted CA certificates (PEM) for URLs")
  .option("-s, --expect-status <status>", "accepted status for URLs (200, 2xx, 200-299); repeatable", collect)
  .option("--contains <text>", "text the body must contain, for URLs")
  .option("-X, --method <method>", "request method for URLs")
  .option("-H, --header <header>", "request header 'Name: value' for URLs; repeatable", collect)
  .option("--no-follow", "do not follow redirects")
  .addOption(new Option("-j, --concurrency <n>", "checks run at once").argParser(int).default(8))
  .option("--all", "include paused monitors")
  .action(async (targets: string[], o: Record<string, unknown>) => {
    const code = await checkCommand(targets, { ...o, noFollow: o.follow === false }, { env, out, err, color, probes: PROBES, signal: shutdownSignal() });
    process.exit(code);
  });

program
  .command("validate")
  .description("check configuration files and print every problem (exit 0 valid, 2 invalid)")
  .argument("<files...>", "configuration files")
  .action(async (files: string[]) => process.exit(await validateCommand(files, { env, out, err })));

program
  .command("run")
  .description("run a command and report its start, exit code and output to an Upbeat ping URL (exits with the command's code; 2 bad usage)")
  .usage("[options] <check> -- <command> [args...]")
  .argument("<check>", "the check's UUID, or its slug with a ping key")
  .argument("[command...]", "the command and its arguments, after --; run without a shell")
  .option("--url <base>", "Upbeat's base URL (UPBEAT_URL; default http://127.0.0.1:8080)")
  .option("--ping-key <key>", "the project's ping key, for a slug (UPBEAT_PING_KEY)")
  .option("--create", "create the check on its first ping (slugs)")
  .option("--no-start", "do not send the start ping")
  .option("-t, --timeout <duration>", "timeout per ping request", "10s")
  .addOption(new Option("-r, --retries <n>", "extra attempts per ping on network errors and 5xx").argParser(int).default(2))
  .action(async (check: string, command: string[], o: RunOptions) => {
    const sep = process.argv.indexOf("--");
    const signals = ["SIGINT", "SIGTERM"] as const;
    const onSignal = (fn: (sig: NodeJS.Signals) => void) => {
      for (const sig of signals) process.on(sig, fn);
      return () => signals.forEach((sig) => process.off(sig, fn));
    };
    const io = { env, stdout: process.stdout, stderr: process.stderr, err, onSignal };
    process.exit(await runCommand(check, command, sep < 0 ? undefined : process.argv.slice(sep + 1), o, io));
  });

program
  .command("import")
  .description("take another tool's data into Upbeat: `import lovebeat <lovebeat.db>` reads a Lovebeat database file into the store (run it before starting Upbeat, or restart after)")
  .argument("<kind>", "lovebeat")
  .argument("<file>", "the file to import")
  .option("-c, --config <file...>", "configuration files (for the database settings; UPBEAT_CONFIG)")
  .option("-d, --data <dir>", "data directory (UPBEAT_DATA)", env.UPBEAT_DATA ?? "./data")
  .action(async (kind: string, file: string, o: { config?: string[]; data: string }) => {
    const config = o.config ?? env.UPBEAT_CONFIG?.split(",").filter(Boolean) ?? [];
    process.exit(await importCommand(kind, file, { config, dataDir: o.data }, { env, out, err }));
  });

const notify = program.command("notify").description("work with notification channels");
notify
  .command("test")
  .description("send a test message through channels of the configuration and print what happened (exit 0 delivered, 1 a failure, 2 bad input or unknown channel)")
  .argument("[channels...]", "channel names")
  .option("-c, --config <file...>", "configuration files (UPBEAT_CONFIG, comma-separated; or Cupcake's ENDPOINT_DEFINITIONS_FILE)")
  .option("--lovebeat-config <file>", "Lovebeat's TOML config file, for its [alerts.*] channels (UPBEAT_LOVEBEAT_CONFIG)", env.UPBEAT_LOVEBEAT_CONFIG)
  .option("--lovebeat-config-dir <dir>", "Lovebeat's config directory (UPBEAT_LOVEBEAT_CONFIG_DIR)", env.UPBEAT_LOVEBEAT_CONFIG_DIR)
  .option("--all", "test every channel")
  .option("-t, --timeout <duration>", "time allowed per message", "10s")
  .option("--json", "print JSON")
  .action(async (channels: string[], o: Omit<NotifyTestOptions, "files"> & { config?: string[] }) => {
    const files = o.config ?? env.UPBEAT_CONFIG?.split(",").filter(Boolean) ?? (env.ENDPOINT_DEFINITIONS_FILE ? [env.ENDPOINT_DEFINITIONS_FILE] : []);
    process.exit(await notifyTestCommand(channels, { ...o, files }, { env, out, err, color, signal: shutdownSignal() }));
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  err(`upbeat: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(70);
});
