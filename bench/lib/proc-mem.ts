/** Memory of a process as the OS counts it (/proc/<pid>/status VmRSS and VmHWM). */
import { readFileSync } from "node:fs";

/** Resident memory of a process, bytes. */
export interface ProcMem {
  /** Resident set size now (VmRSS). */
  rssBytes: number;
  /** Peak resident set size over the process's life (VmHWM, "high water mark"). */
  peakRssBytes: number;
}

/** A `Vm…: <n> kB` field of /proc/<pid>/status, in bytes (NaN when absent). */
function field(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** RSS now and peak RSS of a live process, from /proc/<pid>/status. */
export function procMem(pid: number): ProcMem {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return { rssBytes: field(status, "VmRSS"), peakRssBytes: field(status, "VmHWM") };
}
