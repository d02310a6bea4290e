/**
 * The load generator for blackbox_exporter (what Prometheus does when it scrapes it, at full
 * speed): `GET /probe?target=…&module=…` over keep-alive connections to the exporter, one request
 * per probe, the body read and `probe_success 1` looked for. The exporter opens a fresh
 * connection to the target for every probe; this process is measured apart from it.
 */
import http from "node:http";
import { proberMain } from "../lib/prober-main.ts";

const TIMEOUT_MS = 15_000;
const SUCCESS = /^probe_success 1$/m;

function probeOnce(url: string, agent: http.Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 && SUCCESS.test(body)));
      res.on("error", () => resolve(false));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
  });
}

proberMain(async (url) => {
  // The bounded loop keeps `concurrency` requests in flight, so at most that many sockets open.
  const agent = new http.Agent({ keepAlive: true });
  return { task: () => probeOnce(url, agent), info: "keep-alive GET /probe, body checked for probe_success 1" };
});
