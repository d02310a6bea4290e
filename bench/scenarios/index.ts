/** Every benchmark scenario, in the order `npm run bench` runs them. A new scenario is one file and one line here. */
import type { Scenario } from "../lib/types.ts";
import { alerts } from "./alerts.ts";
import { capacity, capacityPg } from "./capacity.ts";
import { dashboard } from "./dashboard.ts";
import { detect } from "./detect.ts";
import { engineCapacity } from "./engine-capacity.ts";
import { pings } from "./pings.ts";
import { probeHttp } from "./probe-http.ts";
import { probeTcp } from "./probe-tcp.ts";
import { statsd } from "./statsd.ts";
import { storage } from "./storage.ts";
import { uptimeQuery } from "./uptime-query.ts";

/** The scenarios by name. */
export const SCENARIOS: readonly Scenario[] = [probeHttp, probeTcp, capacity, capacityPg, statsd, pings, detect, dashboard, storage, engineCapacity, uptimeQuery, alerts];
