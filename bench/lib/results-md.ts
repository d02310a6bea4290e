/** The dated sections appended to bench/RESULTS.md. */
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import { targetTable } from "./targets.ts";
import type { ScenarioReport, TargetCheck } from "./types.ts";

const HEADER = `# Benchmark results

Appended by \`npm run bench\` (see bench/README.md); one dated section per invocation, newest last.
Figures are median (min–max) over the runs; ratios compare medians, with the range of the per-round ratios.
`;

/** The machine in one line: cores, memory, CPU model, Node version, OS. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${os.availableParallelism()} cores (availableParallelism), ${gib} GiB RAM, ${cpu}, Node ${process.version}, ${os.type()} ${os.release()}`;
}

/** A whole section: heading with the date, machine, command, then each scenario's report, then the target table of the run. */
export function section(date: Date, command: string, reports: ReadonlyArray<[string, ScenarioReport]>, checks: readonly TargetCheck[] = [], smoke = false): string {
  const title = `${date.toISOString().slice(0, 16).replace("T", " ")} UTC: ${reports.map(([n]) => n).join(", ")}${smoke ? " (SMOKE run: tiny sizes, not recorded)" : ""}`;
  const parts = [`## ${title}`, "", `- Machine: ${machineLine()}`, `- Command: \`${command}\``, ""];
  for (const [name, r] of reports) {
    parts.push(`### ${name}`, "", r.setup, "", r.table, "", `Note: ${r.note}`, "");
    if (r.profile) parts.push(r.profile, "");
  }
  if (checks.length) parts.push("### Targets of this run", "", targetTable(checks), "");
  return parts.join("\n");
}

/** Appends a section, creating the file with its header the first time. */
export function appendResults(path: string, text: string): void {
  if (!existsSync(path)) writeFileSync(path, HEADER);
  appendFileSync(path, `\n${text}`);
}
