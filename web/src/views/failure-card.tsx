/** One failed check in full: status, reason, assertions, every attempt's timings and the body excerpt. */
import { ms, when } from "../format.ts";
import type { Failure, Timings } from "../types.ts";

function timingText(t: Timings | undefined): string {
  if (!t) return "—";
  const parts: Array<[string, number | undefined]> = [
    ["dns", t.dnsMs],
    ["connect", t.connectMs],
    ["tls", t.tlsMs],
    ["ttfb", t.ttfbMs],
    ["transfer", t.transferMs],
  ];
  return `${parts.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${ms(v)}`).join(" · ")}${parts.some(([, v]) => v !== undefined) ? " = " : ""}${ms(t.totalMs)}`;
}

/** The card. */
export function FailureCard({ f, open }: { f: Failure; open?: boolean }) {
  const d = f.detail ?? {};
  const facts = d.facts ?? {};
  return (
    <details class={`failure h-${f.health}`} open={open}>
      <summary>
        <span class={`badge st-${f.health === "degraded" ? "degraded" : "down"}`}>{f.health}</span>
        <time>{when(f.at)}</time>
        {f.statusCode !== null ? <code>{f.statusCode}</code> : null}
        {f.phase ? <span class="muted">in {f.phase}</span> : null}
        <span class="reason">{f.reason ?? f.failure ?? ""}</span>
      </summary>
      <div class="failure-body">
        {facts.url ? (
          <p>
            <span class="muted">URL</span> <code class="wrap">{facts.url}</code>
            {facts.remoteAddress ? <span class="muted"> · {facts.remoteAddress}</span> : null}
          </p>
        ) : null}
        {d.assertions?.length ? (
          <table class="mini">
            <caption>Assertions</caption>
            <thead>
              <tr>
                <th>Check</th>
                <th>Expected</th>
                <th>Actual</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.assertions.map((a, i) => (
                <tr key={i} class={a.ok ? "ok" : "bad"}>
                  <td>{a.name}</td>
                  <td>
                    <code>{a.expected}</code>
                  </td>
                  <td>
                    <code>{a.actual}</code>
                  </td>
                  <td>{a.ok ? "✓" : a.severity === "degraded" ? "degraded" : "✗"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {d.attempts?.length ? (
          <table class="mini">
            <caption>Attempts</caption>
            <thead>
              <tr>
                <th>#</th>
                <th>Result</th>
                <th>Timings</th>
              </tr>
            </thead>
            <tbody>
              {d.attempts.map((a) => (
                <tr key={a.attempt}>
                  <td>{a.attempt}</td>
                  <td>
                    {a.health}
                    {a.statusCode !== undefined ? ` ${a.statusCode}` : ""}
                    {a.phase ? ` in ${a.phase}` : ""}
                    {a.reason ? <div class="muted">{a.reason}</div> : null}
                  </td>
                  <td class="timings">{timingText(a.timings)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : d.timings ? (
          <p class="timings">{timingText(d.timings)}</p>
        ) : null}
        {facts.cert ? (
          <p>
            <span class="muted">Certificate</span> {facts.cert.subject} by {facts.cert.issuer}, until {facts.cert.validTo} ({facts.cert.daysLeft} days){facts.cert.trusted ? "" : ` — not trusted: ${facts.cert.trustError ?? ""}`}
          </p>
        ) : null}
        {facts.bodyExcerpt ? (
          <>
            <p class="muted">
              Body{facts.bodyBytes !== undefined ? ` (${facts.bodyBytes} bytes${facts.bodyBytes > facts.bodyExcerpt.length ? ", start shown" : ""})` : ""}
            </p>
            <pre class="excerpt">{facts.bodyExcerpt.slice(0, 4000)}</pre>
          </>
        ) : null}
        <p class="muted">Region {f.region}</p>
      </div>
    </details>
  );
}
