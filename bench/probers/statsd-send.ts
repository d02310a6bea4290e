/**
 * statsd load generator: Lovebeat beat lines (`<service>.beat:1|c`) over UDP to one port on
 * 127.0.0.1, at a given rate of datagrams per second for a bounded time, each datagram holding a
 * given number of lines for consecutive services of a fixed set. The harness sends `step`
 * messages; each is answered with `stepped` and what was sent. Args: JSON `StatsdSendConfig`.
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { boundLifetime, fail, toParent } from "../lib/child-side.ts";
import type { Message } from "../lib/child.ts";

/** What the sender is told (JSON in argv[2]). */
export interface StatsdSendConfig {
  /** UDP port on 127.0.0.1. */
  port: number;
  /** Service names `bench-<i>` beaten in turn. */
  services: number;
  /** Lifetime cap of the process. */
  capMs: number;
}

/** One step: `rate` datagrams/s of `lines` lines each for `durationMs` (at most `rate × durationMs` datagrams). */
export interface StepOrder {
  /** Datagrams per second asked for. */
  rate: number;
  /** Lines per datagram. */
  lines: number;
  /** How long to send. */
  durationMs: number;
}

/** What a step sent. */
export interface StepSent {
  /** Datagrams handed to the kernel without error. */
  datagrams: number;
  /** Lines in them. */
  lines: number;
  /** Send errors (EAGAIN, ENOBUFS…), datagrams not sent. */
  errors: number;
  /** Wall time from the first send to the last. */
  wallMs: number;
  /** The sender's own CPU over the step (process.cpuUsage), s. */
  selfCpuS: number;
}

/** The datagrams of one lines-per-datagram setting, covering every service once in order. */
function datagrams(services: number, lines: number): Buffer[] {
  const out: Buffer[] = [];
  for (let first = 0; first < services; first += lines) {
    const text: string[] = [];
    for (let j = 0; j < lines; j++) text.push(`bench-${String((first + j) % services)}.beat:1|c`);
    out.push(Buffer.from(text.join("\n")));
  }
  return out;
}

const TICK_MS = 1;

/** Sends at the asked rate: on each ~1 ms tick, what is due by now (the harness's other child gets the rest of the CPU). */
function runStep(sock: Socket, bufs: Buffer[], o: StepOrder): Promise<StepSent> {
  const total = Math.floor((o.rate * o.durationMs) / 1000);
  let sent = 0;
  let errors = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - t0;
      const due = Math.min(total, Math.floor((o.rate * elapsed) / 1000));
      while (sent + errors < due) {
        const buf = bufs[next] as Buffer;
        next = (next + 1) % bufs.length;
        try {
          sock.send(buf);
          sent++;
        } catch {
          errors++;
        }
      }
      if (sent + errors >= total || elapsed >= o.durationMs + 1000) {
        const cpu = process.cpuUsage(cpu0);
        resolve({ datagrams: sent, lines: sent * o.lines, errors, wallMs: performance.now() - t0, selfCpuS: (cpu.user + cpu.system) / 1e6 });
        return;
      }
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? "{}") as StatsdSendConfig;
  boundLifetime(cfg.capMs);
  const sock = createSocket({ type: "udp4", sendBufferSize: 4 * 1024 * 1024 });
  // Send errors of a connected socket (ECONNREFUSED after an ICMP) arrive as events: count, never crash.
  let asyncErrors = 0;
  sock.on("error", () => asyncErrors++);
  sock.connect(cfg.port, "127.0.0.1");
  await once(sock, "connect");
  const cache = new Map<number, Buffer[]>();
  let busy = Promise.resolve();
  process.on("message", (m: Message) => {
    if (m.type !== "step") return;
    const o = m as unknown as StepOrder & Message;
    busy = busy.then(async () => {
      const bufs = cache.get(o.lines) ?? datagrams(cfg.services, o.lines);
      cache.set(o.lines, bufs);
      const r = await runStep(sock, bufs, o);
      toParent({ type: "stepped", ...r, asyncErrors });
    }).catch(fail);
  });
  toParent({ type: "ready" });
}

main().catch(fail);
