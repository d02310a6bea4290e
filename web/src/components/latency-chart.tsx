/**
 * Latency by phase with uPlot: DNS, connect, TLS, time to first byte and transfer stacked into
 * the total, and the down checks marked on top. The legend shows each phase's own time.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ms } from "../format.ts";
import { type Detail, PHASES } from "../types.ts";

const COLORS: Record<(typeof PHASES)[number], string> = { dns: "#a78bfa", connect: "#60a5fa", tls: "#34d399", ttfb: "#fbbf24", transfer: "#f472b6" };
const NAMES: Record<(typeof PHASES)[number], string> = { dns: "DNS", connect: "Connect", tls: "TLS", ttfb: "First byte", transfer: "Transfer" };

type Series = Detail["latency"];

/** uPlot's columns: times in seconds, cumulative phases from the top one down, and the failures. */
function columns(s: Series): { data: uPlot.AlignedData; raw: Array<Array<number | null>>; order: Array<(typeof PHASES)[number]> } {
  const used = PHASES.filter((p) => s.phases[p].some((v) => v !== null && v > 0));
  const order = [...used].reverse();
  const n = s.t.length;
  const cum: Array<Array<number | null>> = order.map(() => new Array<number | null>(n).fill(null));
  for (let i = 0; i < n; i++) {
    let acc = 0;
    let any = false;
    used.forEach((p) => {
      const v = s.phases[p][i];
      if (v !== null && v !== undefined) {
        acc += v;
        any = true;
      }
      const row = cum[order.indexOf(p)] as Array<number | null>;
      row[i] = any ? acc : null;
    });
  }
  const failures = s.failures.map((f) => (f > 0 ? f : null));
  return { data: [s.t.map((t) => t / 1000), ...cum, failures] as uPlot.AlignedData, raw: order.map((p) => s.phases[p]), order };
}

/** The chart; redrawn when the series change, resized with its box. */
export function LatencyChart({ series }: { series: Series }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { data, raw, order } = columns(series);
    const counts = data[data.length - 1] as Array<number | null>;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, ms: { auto: true, range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] }, n: { range: [0, 1] } },
      axes: [
        { stroke: "#94a3b8", grid: { stroke: "rgba(148,163,184,.15)" } },
        { scale: "ms", stroke: "#94a3b8", grid: { stroke: "rgba(148,163,184,.15)" }, values: (_u, vals) => vals.map((v) => ms(v)), size: 60 },
      ],
      series: [
        {},
        ...order.map((p, k) => ({
          label: NAMES[p],
          scale: "ms",
          stroke: COLORS[p],
          fill: `${COLORS[p]}cc`,
          width: 1,
          // A step without checks is not a drop to zero: the line goes on to the next one.
          spanGaps: true,
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? "—" : ms(raw[k]?.[idx] ?? null)),
        })),
        {
          label: "Down checks",
          scale: "n",
          stroke: "#ef4444",
          paths: () => null,
          points: { show: true, size: 8, fill: "#ef4444", stroke: "#ef4444" },
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? "—" : String(counts[idx] ?? 0)),
        },
      ],
      legend: { live: true },
    };
    // The failure marks sit at the top of the plot whatever their count.
    const marks = counts.map((v) => (v === null ? null : 0.97));
    const plot = new uPlot(opts, [...data.slice(0, -1), marks] as uPlot.AlignedData, el);
    el.dataset.drawn = "1";
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [series]);
  return <div ref={box} class="chart" aria-label="Latency by phase" />;
}
