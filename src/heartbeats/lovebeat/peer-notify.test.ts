/** Peer notify against a real HTTP server on loopback. */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { closedPort, startHttpServer, type TestServer } from "../../../test/helpers/http-server.ts";
import { waitFor } from "../../../test/helpers/wait.ts";
import { PeerNotifier, peerNotifyUrl, shortHostname } from "./peer-notify.ts";

// Replies are held while `hold` is set, so a test can keep one request in flight.
let hold = false;
const held: ServerResponse[] = [];
let peer: TestServer;

before(async () => {
  peer = await startHttpServer((_req, res) => {
    if (hold) held.push(res);
    else res.writeHead(200, { "Content-Type": "application/json" }).end("{}\n");
  });
});
after(async () => {
  await peer.close();
});

const release = () => {
  hold = false;
  for (const res of held.splice(0)) res.writeHead(200).end("{}\n");
};

describe("names and URLs", () => {
  test("shortHostname: first label, lower case, other characters as -", () => {
    assert.equal(shortHostname("Web-01.prod.example.com"), "web-01");
    assert.equal(shortHostname("BOX_1"), "box_1");
    assert.equal(shortHostname("my host+x"), "my-host-x");
    assert.equal(shortHostname(""), "unknown");
  });

  test("peerNotifyUrl: with or without a trailing slash, path prefixes kept", () => {
    assert.equal(peerNotifyUrl("http://lb:8080", "a.b", "save"), "http://lb:8080/api/services/lovebeat.a.save");
    assert.equal(peerNotifyUrl("http://lb:8080/", "a.b", "save"), "http://lb:8080/api/services/lovebeat.a.save");
    assert.equal(peerNotifyUrl("https://x/lovebeat/", "a", "monitor"), "https://x/lovebeat/api/services/lovebeat.a.monitor");
  });

  test("a peer that is not an http(s) URL is refused at construction", () => {
    assert.throws(() => new PeerNotifier({ peers: ["ftp://x/"], hostname: "h" }), /"ftp:\/\/x\/" is not an http\(s\) URL/);
    assert.throws(() => new PeerNotifier({ peers: ["not a url"], hostname: "h" }), /not an http\(s\) URL/);
  });
});

describe("PeerNotifier", () => {
  test("POSTs {\"timeout\":-2} as JSON to <peer>/api/services/lovebeat.<host>.<metric>, to every peer", async () => {
    peer.requests.length = 0;
    const n = new PeerNotifier({ peers: [peer.url, `${peer.url}/`], hostname: "Node7.example.org" });
    n.notify("save");
    await n.stop();
    assert.equal(peer.requests.length, 2);
    for (const r of peer.requests) {
      assert.equal(r.method, "POST");
      assert.equal(r.url, "/api/services/lovebeat.node7.save");
      assert.equal(r.headers["content-type"], "application/json");
      assert.equal(r.body, '{"timeout":-2}');
    }
    assert.equal(n.sent, 2);
    assert.equal(n.failures, 0);
  });

  test("one request at a time; beyond the queue size notifications are dropped and counted", async () => {
    peer.requests.length = 0;
    hold = true;
    const errors: Error[] = [];
    const n = new PeerNotifier({ peers: [peer.url], hostname: "h", queueSize: 3, onError: (e) => errors.push(e) });
    for (const m of ["a", "b", "c", "d", "e", "f"]) n.notify(m);
    // "a" is in flight, "b"–"d" wait, "e" and "f" do not fit.
    assert.equal(n.dropped, 2);
    assert.equal(errors.length, 2);
    await waitFor("the first request", () => held.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(peer.requests.length, 1);
    release();
    await n.stop();
    assert.deepEqual(peer.requests.map((r) => r.url.split(".").pop()), ["a", "b", "c", "d"]);
  });

  test("start() sends monitor and alerter every interval until stop()", async () => {
    peer.requests.length = 0;
    const n = new PeerNotifier({ peers: [peer.url], hostname: "h" });
    n.start(30);
    await waitFor("two rounds", () => peer.requests.length >= 4);
    await n.stop();
    const count = peer.requests.length;
    assert.deepEqual(peer.requests.slice(0, 4).map((r) => r.url.split(".").pop()), ["monitor", "alerter", "monitor", "alerter"]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(peer.requests.length, count);
  });

  test("a peer that is down or slow does not throw: failures are counted and reported", async () => {
    const errors: Error[] = [];
    const down = `http://127.0.0.1:${await closedPort()}`;
    const n = new PeerNotifier({ peers: [down], hostname: "h", timeoutMs: 200, onError: (e) => errors.push(e) });
    n.notify("monitor");
    await n.stop();
    assert.equal(n.failures, 1);
    assert.match(errors[0]?.message ?? "", /lovebeat\.h\.monitor failed/);

    hold = true;
    const slow = new PeerNotifier({ peers: [peer.url], hostname: "h", timeoutMs: 100 });
    slow.notify("save");
    slow.notify("save");
    const t0 = Date.now();
    await slow.stop();
    assert.ok(Date.now() - t0 < 1000, "stop() is bounded by the timeout");
    await waitFor("both timed out", () => slow.failures + slow.dropped === 2);
    release();
  });

  test("a peer answering with an error status counts as a failure", async () => {
    const bad = await startHttpServer((_req, res) => res.writeHead(500).end("no"));
    const n = new PeerNotifier({ peers: [bad.url], hostname: "h" });
    n.notify("save");
    await n.stop();
    assert.equal(n.failures, 1);
    assert.equal(n.sent, 0);
    await bad.close();
  });
});
