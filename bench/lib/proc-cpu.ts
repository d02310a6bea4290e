/** CPU time of a process as the OS counts it (/proc/<pid>/stat utime + stime, all threads). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSec: number | undefined;

/** Clock ticks per second of /proc times (`getconf CLK_TCK`, 100 on almost every Linux). */
function clockTicks(): number {
  if (ticksPerSec === undefined) {
    try {
      ticksPerSec = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSec = 100;
    }
  }
  return ticksPerSec;
}

/** CPU-seconds a process has used, split as the kernel counts them. */
export interface ProcCpu {
  /** User mode (JavaScript, V8, libuv, native code). */
  user: number;
  /** Kernel mode (syscalls: sockets, epoll; on loopback also the TCP work of the packets it sends). */
  sys: number;
}

/** CPU-seconds (user and system) a live process has used so far, from /proc/<pid>/stat. */
export function procCpu(pid: number): ProcCpu {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { user: utime / clockTicks(), sys: stime / clockTicks() };
}
