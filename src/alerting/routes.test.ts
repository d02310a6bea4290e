import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { groupKey, type Matcher, matches, parseMatcher, route, type RouteSpec } from "./routes.ts";

const m = (text: string): Matcher => {
  const r = parseMatcher(text);
  if ("error" in r) throw new Error(r.error);
  return r;
};

describe("routing tree", () => {
  test("matchers: =, !=, =~ and !~ anchored; a missing label is empty; bad input says why", () => {
    const labels = { team: "payments", env: "prod" };
    assert.ok(matches(m("team=payments"), labels));
    assert.ok(!matches(m("team!=payments"), labels));
    assert.ok(matches(m("env=~prod|staging"), labels));
    assert.ok(!matches(m("env=~pro"), labels), "regexes are anchored");
    assert.ok(matches(m("region!~eu-.*"), labels));
    assert.ok(matches(m('owner=""'), labels), "a missing label equals the empty string");
    assert.match((parseMatcher("team") as { error: string }).error, /not label=value/);
    assert.match((parseMatcher("env=~(") as { error: string }).error, /invalid regular expression/);
  });

  test("the first matching child takes it unless it continues; settings inherit; the root catches the rest", () => {
    const tree: RouteSpec = {
      channels: ["default"],
      groupBy: ["group"],
      groupWaitMs: 10_000,
      routes: [
        { matchers: [m("severity=critical")], channels: ["pager"], continue: true, groupWaitMs: 0 },
        { matchers: [m("team=payments")], channels: ["payments-slack"], routes: [{ matchers: [m("env=prod")], repeatIntervalMs: 3_600_000 }] },
        { matchers: [m("team=~pay.*")], channels: ["never"] },
      ],
    };
    const critProd = route(tree, { severity: "critical", team: "payments", env: "prod" });
    assert.deepEqual(critProd.map((r) => [r.id, r.channels, r.groupWaitMs, r.repeatIntervalMs]), [
      ["0", ["pager"], 0, 14_400_000],
      ["1.0", ["payments-slack"], 10_000, 3_600_000],
    ]);
    assert.deepEqual(route(tree, { team: "payments", env: "dev" }).map((r) => r.id), ["1"], "a parent whose children do not match takes it itself");
    assert.deepEqual(route(tree, { team: "web" }).map((r) => [r.id, r.channels, r.groupBy]), [["root", ["default"], ["group"]]]);
  });

  test("group keys split by the groupBy labels only", () => {
    const [r] = route({ groupBy: ["group"] }, {});
    assert.ok(r);
    assert.equal(groupKey(r, { group: "shop", monitor: "a" }), groupKey(r, { group: "shop", monitor: "b" }));
    assert.notEqual(groupKey(r, { group: "shop" }), groupKey(r, { group: "blog" }));
    const all = { ...r, groupBy: ["..."] };
    assert.notEqual(groupKey(all, { monitor: "a" }), groupKey(all, { monitor: "b" }), "... means every label: no grouping");
  });
});
