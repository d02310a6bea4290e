/**
 * probe-tcp: TCP connect probes of a local port through Upbeat's whole engine against Debian's
 * blackbox_exporter (`tcp_connect`, driven through `/probe`) and a bare Node prober, alternating
 * runs (bench/lib/probe-compare.ts).
 */
import { probeScenario } from "../lib/probe-compare.ts";

/** The probe-tcp scenario. */
export const probeTcp = probeScenario("probe-tcp", "tcp", "10k TCP connect probes at concurrency 50: Upbeat's whole engine vs blackbox_exporter tcp_connect (and a bare Node prober)");
