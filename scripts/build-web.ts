/**
 * Builds the dashboard (`web/` → `web/dist`) with Vite, writes brotli and gzip copies of the
 * text files (served as they are, no compression per request), and records a hash of the
 * sources so tests can tell whether the build is stale. `--if-stale` builds only when needed.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEB = join(ROOT, "web");
const DIST = join(WEB, "dist");
const HASH_FILE = ".build-hash";

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (p === DIST || name === "node_modules" || name.startsWith("dist.")) continue;
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** A hash of everything the build reads: the dashboard's sources and the locked dependency versions. */
export function sourceHash(): string {
  const h = createHash("sha256");
  for (const f of [...files(WEB), join(ROOT, "package-lock.json")]) {
    if (!existsSync(f)) continue;
    h.update(relative(ROOT, f));
    h.update(readFileSync(f));
  }
  return h.digest("hex");
}

/** Whether `web/dist` was built from the current sources. */
export function isFresh(): boolean {
  const f = join(DIST, HASH_FILE);
  return existsSync(join(DIST, "index.html")) && existsSync(f) && readFileSync(f, "utf8").trim() === sourceHash();
}

/** Writes `.br` and `.gz` beside every text file worth compressing. */
function precompress(dir: string): void {
  for (const f of files(dir)) {
    if (!/\.(js|css|html|svg|json|txt|map)$/.test(f)) continue;
    const data = readFileSync(f);
    if (data.length < 1024) continue;
    writeFileSync(`${f}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    writeFileSync(`${f}.gz`, gzipSync(data, { level: 9 }));
  }
}

/** Builds into a temporary directory, then swaps it in (a server never sees half a build). */
export async function buildWeb(o: { quiet?: boolean } = {}): Promise<void> {
  const { build } = await import("vite");
  const hash = sourceHash();
  const tmp = join(WEB, `dist.${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await build({ configFile: join(WEB, "vite.config.ts"), build: { outDir: tmp, emptyOutDir: true }, logLevel: o.quiet ? "error" : "info" });
  precompress(tmp);
  writeFileSync(join(tmp, HASH_FILE), `${hash}\n`);
  rmSync(DIST, { recursive: true, force: true });
  renameSync(tmp, DIST);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  if (process.argv.includes("--if-stale") && isFresh()) {
    console.log("web/dist is up to date");
  } else {
    await buildWeb();
  }
}
