/** Summarises a .cpuprofile (V8 / `node --cpu-prof` JSON): self time by function and by file. */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { threadProfilePaths } from "./cpu-profile.ts";
import { fmt } from "./stats.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

/** The parts of a V8 CPU profile the summary reads. */
export interface CpuProfile {
  /** Call-tree nodes. */
  nodes: ProfileNode[];
  /** Start, µs. */
  startTime: number;
  /** End, µs. */
  endTime: number;
  /** Node id of each sample. */
  samples: number[];
  /** µs before each sample. */
  timeDeltas: number[];
}

/** Self time of one function (or one file). */
export interface SelfCost {
  /** Function name, or the file for a by-file row. */
  name: string;
  /** Where it is (`src/probes/http.ts:42`, `node:_http_client:…`). */
  where: string;
  /** Self time, ms. */
  selfMs: number;
  /** Share of busy (non-idle) time. */
  share: number;
}

/** Self time per function and per file, and the busy total they are shares of. */
export interface ProfileSummary {
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  /** Functions, most self time first. */
  byFunction: SelfCost[];
  /** Files (or pseudo-frames such as GC), most self time first. */
  byFile: SelfCost[];
}

const shortUrl = (url: string, root: string) => url.replace(`file://${root}/`, "").replace(/^file:\/\/.*\/node_modules\//, "node_modules/");

/** Microseconds of each sample: the gap to the next sample (to the profile end for the last). */
function sampleDurations(p: CpuProfile): number[] {
  const at: number[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) at.push((t += d));
  return at.map((x, i) => (at[i + 1] ?? p.endTime) - x);
}

function ranked(costs: Map<string, { name: string; where: string; us: number }>, busyUs: number): SelfCost[] {
  return [...costs.values()].sort((a, b) => b.us - a.us).map((c) => ({ name: c.name, where: c.where, selfMs: c.us / 1000, share: c.us / busyUs }));
}

/** Self time by function and by file; `(idle)` is left out, GC and `(program)` stay in. */
export function summarise(p: CpuProfile, root: string): ProfileSummary {
  const frames = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const durations = sampleDurations(p);
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const file = new Map<string, { name: string; where: string; us: number }>();
  let busyUs = 0;
  p.samples.forEach((id, i) => {
    const f = frames.get(id);
    if (!f || f.functionName === "(idle)") return;
    const us = durations[i] ?? 0;
    busyUs += us;
    const path = f.url ? shortUrl(f.url, root) : "";
    const name = f.functionName || "(anonymous)";
    // Files transpiled by tsx come out as one line (lineNumber 0): a line number would mislead there.
    const native = name.startsWith("(") ? "" : "(native binding)";
    const where = path && f.lineNumber > 0 ? `${path}:${f.lineNumber + 1}` : path || native;
    const fk = `${name}@${where}`;
    fn.set(fk, { name, where, us: (fn.get(fk)?.us ?? 0) + us });
    const fileKey = path || name;
    file.set(fileKey, { name: fileKey, where: "", us: (file.get(fileKey)?.us ?? 0) + us });
  });
  return { busyMs: busyUs / 1000, byFunction: ranked(fn, busyUs), byFile: ranked(file, busyUs) };
}

/** Reads and summarises a .cpuprofile file. */
export function summariseFile(path: string, root: string): ProfileSummary {
  return summarise(JSON.parse(readFileSync(path, "utf8")) as CpuProfile, root);
}

/** Markdown table of the top `n` rows. */
export function costTable(rows: readonly SelfCost[], n: number, withWhere: boolean): string {
  const head = withWhere ? "| # | Function | Where | Self ms | Share |\n|---:|---|---|---:|---:|" : "| # | File | Self ms | Share |\n|---:|---|---:|---:|";
  const body = rows.slice(0, n).map((r, i) => {
    const cells = withWhere ? [i + 1, `\`${r.name}\``, r.where ? `\`${r.where}\`` : "", fmt(r.selfMs, 0), `${fmt(r.share * 100, 1)}%`] : [i + 1, `\`${r.name}\``, fmt(r.selfMs, 0), `${fmt(r.share * 100, 1)}%`];
    return `| ${cells.join(" | ")} |`;
  });
  return [head, ...body].join("\n");
}

/** The two profile tables every scenario prints: top 15 functions and top 12 files by self time. */
export function profileTables(sum: ProfileSummary): string[] {
  return ["Self time by function (top 15):", "", costTable(sum.byFunction, 15, true), "", "Self time by file (top 12):", "", costTable(sum.byFile, 12, false), ""];
}

/** Rows of `a` minus rows of `b` by name and place, largest extra self time in `a` first. */
export function extraCosts(a: readonly SelfCost[], b: readonly SelfCost[], busyA: number): SelfCost[] {
  const key = (r: SelfCost) => `${r.name}@${r.where}`;
  const inB = new Map(b.map((r) => [key(r), r.selfMs]));
  return a
    .map((r) => ({ ...r, selfMs: r.selfMs - (inB.get(key(r)) ?? 0) }))
    .map((r) => ({ ...r, share: r.selfMs / busyA }))
    .sort((x, y) => y.selfMs - x.selfMs);
}

/**
 * The profile tables of the worker threads profiled beside the main thread's profile at `path`
 * (`startProfile` with `threads`), busiest first; threads that were all but idle are named only.
 * Each is labelled by the project file where it spent the most time (its probe or decode module).
 */
export function threadProfileTables(path: string, root: string): string[] {
  const sums = threadProfilePaths(path)
    .map((p) => ({ p, sum: summariseFile(p, root) }))
    .sort((a, b) => b.sum.busyMs - a.sum.busyMs);
  const out: string[] = [];
  for (const { p, sum } of sums) {
    const own = sum.byFile.find((f) => /^(src|bench)\//.test(f.name))?.name ?? "no project file";
    const name = basename(p).replace(/^.*\.thread-/, "worker thread ").replace(/\.cpuprofile$/, "");
    if (sum.busyMs < 100) {
      out.push(`${name}: ${fmt(sum.busyMs, 0)} ms busy (all but idle).`, "");
      continue;
    }
    out.push(`##### ${name} (most of its own time in \`${own}\`): ${fmt(sum.busyMs, 0)} ms busy sampled`, "", ...profileTables(sum));
  }
  return out;
}
