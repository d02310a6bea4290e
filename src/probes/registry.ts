/** Every probe by kind. The mapped type makes a new kind in the schema a compile error until it has a probe here. */
import { dnsProbe } from "./dns.ts";
import { httpProbe } from "./http.ts";
import { tcpProbe } from "./tcp.ts";
import { tlsProbe } from "./tls.ts";
import type { ProbeRegistry } from "./types.ts";

/** The probes Upbeat runs. */
export const PROBES: ProbeRegistry = { http: httpProbe, tcp: tcpProbe, dns: dnsProbe, tls: tlsProbe };
