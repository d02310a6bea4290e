/**
 * probe-http: fresh-connection HTTP probes of a local target through Upbeat's whole engine
 * against Debian's blackbox_exporter (`http_2xx`, driven through `/probe`) and a bare Node prober,
 * alternating runs (bench/lib/probe-compare.ts).
 */
import { probeScenario } from "../lib/probe-compare.ts";

/** The probe-http scenario. */
export const probeHttp = probeScenario("probe-http", "http", "10k fresh-connection HTTP probes at concurrency 50: Upbeat's whole engine vs blackbox_exporter http_2xx (and a bare Node prober)");
