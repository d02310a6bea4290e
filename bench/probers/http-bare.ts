/**
 * Baseline HTTP prober: the least a Node prober can do. One fresh connection per probe
 * (`agent: false`), read the whole body, record the status.
 */
import http from "node:http";
import { proberMain } from "../lib/prober-main.ts";

const TIMEOUT_MS = 10_000;

function bareProbe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        // Decoded like the upbeat path decodes it, so both pay for reading the body.
        Buffer.concat(chunks).toString("utf8");
        resolve(res.statusCode === 200);
      });
      res.on("error", () => resolve(false));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
  });
}

proberMain(async (url) => ({ task: () => bareProbe(url) }));
