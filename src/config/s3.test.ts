import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startHttpServer, type TestServer } from "../../test/helpers/http-server.ts";
import { loadFiles } from "./load.ts";
import { parseS3Url } from "./s3.ts";

// AWS S3 cannot run here: a local server stands in for it and checks the request S3 documents
// for a path-style GetObject (method, path, SigV4 headers), answering as S3 does.
describe("definitions from s3://", () => {
  const endpoints = readFileSync(new URL("../../test/fixtures/cupcake-endpoints.json", import.meta.url), "utf8");
  let s3: TestServer;
  const env = () => ({ AWS_ENDPOINT_URL_S3: s3.url, AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKIDUPBEATTEST", AWS_SECRET_ACCESS_KEY: "secret" });
  before(async () => {
    s3 = await startHttpServer((req, res) => {
      if (new URL(req.url ?? "/", "http://s3").pathname === "/config-bucket/cupcake/endpoints.json") return void res.writeHead(200, { "content-type": "application/json" }).end(endpoints);
      res.writeHead(404, { "content-type": "application/xml" }).end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing.json</Key></Error>');
    });
  });
  after(() => s3.close());

  test("the file is fetched with a signed GetObject and loads as the local file would", async () => {
    const r = await loadFiles(["s3://config-bucket/cupcake/endpoints.json"], { env: env() });
    assert.deepEqual(r.problems, []);
    assert.equal(r.config.monitors.length, 2);
    const req = s3.requests.at(-1);
    assert.equal(req?.method, "GET");
    assert.equal(new URL(req?.url ?? "/", "http://s3").pathname, "/config-bucket/cupcake/endpoints.json");
    const auth = String(req?.headers.authorization);
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIDUPBEATTEST\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    const signed = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
    for (const h of ["host", "x-amz-content-sha256", "x-amz-date"]) assert.ok(signed.includes(h), `${h} is signed`);
    assert.match(String(req?.headers["x-amz-date"]), /^\d{8}T\d{6}Z$/);
    assert.equal(req?.headers["x-amz-content-sha256"], createHash("sha256").update("").digest("hex"));
  });

  test("a missing object is a problem naming S3's error, nothing loaded", async () => {
    const r = await loadFiles(["s3://config-bucket/missing.json"], { env: env() });
    assert.equal(r.config.monitors.length, 0);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]?.message ?? "", /^cannot read the file: NoSuchKey/);
    assert.equal(r.problems[0]?.file, "s3://config-bucket/missing.json");
  });

  test("s3 URLs are told apart from paths", () => {
    assert.deepEqual(parseS3Url("s3://b/dir/k.json"), { bucket: "b", key: "dir/k.json" });
    assert.equal(parseS3Url("/opt/app/config/endpoints.json"), undefined);
    assert.equal(parseS3Url("s3://bucket-only"), undefined);
  });
});
