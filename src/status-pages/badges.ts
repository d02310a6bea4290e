/**
 * SVG badges (status, uptime %, latency) and the same values in shields.io's endpoint format.
 * Text widths are estimated per character for 11 px Verdana-like fonts (no font is fetched), and
 * each text carries `textLength`, so a viewer's font is fitted to the box whatever it is. Pure.
 */
import type { MonitorStatus } from "../core/monitor-state.ts";
import { esc, pct } from "./text.ts";

/** Badge styles. */
export const BADGE_STYLES = ["flat", "flat-square"] as const;
/** A badge style. */
export type BadgeStyle = (typeof BADGE_STYLES)[number];

/** Named colours (shields.io's names), as hex. */
export const NAMED_COLORS: Record<string, string> = {
  brightgreen: "#4c1",
  green: "#97ca00",
  yellowgreen: "#a4a61d",
  yellow: "#dfb317",
  orange: "#fe7d37",
  red: "#e05d44",
  blue: "#007ec6",
  grey: "#555",
  lightgrey: "#9f9f9f",
  success: "#4c1",
  important: "#fe7d37",
  critical: "#e05d44",
  informational: "#007ec6",
  inactive: "#9f9f9f",
};

/** A colour parameter: a name above or 3/6 hex digits (no `#`); anything else is refused. */
export const COLOR_PATTERN = `^(${Object.keys(NAMED_COLORS).join("|")}|[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`;

/** A colour as SVG takes it. */
export function colorHex(c: string): string {
  return NAMED_COLORS[c] ?? `#${c}`;
}

// Advance widths (px at 11 px) of a Verdana-like face, estimated by character class.
const WIDTHS: Record<string, number> = {
  " ": 3.9, "!": 4.3, '"': 5, "#": 9.2, $: 7, "%": 11.9, "&": 8, "'": 2.9, "(": 4.9, ")": 4.9, "*": 7, "+": 9.2, ",": 4, "-": 5, ".": 4, "/": 4.9,
  ":": 4.9, ";": 4.9, "<": 9.2, "=": 9.2, ">": 9.2, "?": 5.9, "@": 11, "[": 4.9, "\\": 4.9, "]": 4.9, "^": 9.2, _: 7, "`": 7, "{": 7, "|": 4.9, "}": 7, "~": 9.2,
  A: 7.5, B: 7.6, C: 7.7, D: 8.5, E: 7, F: 6.3, G: 8.5, H: 8.3, I: 4.6, J: 5, K: 7.6, L: 6.1, M: 9.3, N: 8.2, O: 8.7, P: 6.6, Q: 8.7, R: 7.7, S: 7.5, T: 6.8, U: 8.1, V: 7.5, W: 10.9, X: 7.5, Y: 6.8, Z: 7.5,
  a: 6.7, b: 6.9, c: 5.8, d: 6.9, e: 6.6, f: 3.9, g: 6.9, h: 7, i: 3, j: 3.8, k: 6.5, l: 3, m: 10.7, n: 7, o: 6.7, p: 6.9, q: 6.9, r: 4.7, s: 5.7, t: 4.3, u: 7, v: 6.5, w: 9, x: 6.5, y: 6.5, z: 5.8,
};

/** Estimated width in px of `text` at 11 px; digits are 7 px, unknown characters 7 (wide scripts 11). */
export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    w += WIDTHS[ch] ?? (ch >= "0" && ch <= "9" ? 7 : code >= 0x1100 ? 11 : 7);
  }
  return Math.round(w * 10) / 10;
}

/** What a badge says. */
export interface BadgeValue {
  /** Left text. */
  label: string;
  /** Right text. */
  message: string;
  /** Right colour: a name or hex digits. */
  color: string;
}

/** A monitor's status as a badge. */
export function statusBadge(status: MonitorStatus): Omit<BadgeValue, "label"> {
  const byStatus: Record<MonitorStatus, [string, string]> = { up: ["up", "brightgreen"], degraded: ["degraded", "yellow"], down: ["down", "red"], maintenance: ["maintenance", "blue"], paused: ["paused", "lightgrey"], pending: ["pending", "lightgrey"] };
  const [message, color] = byStatus[status];
  return { message, color };
}

/** An uptime percentage as a badge (green from 99.9 %, red under 90 %). */
export function uptimeBadge(uptimePct: number | null): Omit<BadgeValue, "label"> {
  if (uptimePct === null) return { message: "no data", color: "lightgrey" };
  const color = uptimePct >= 99.9 ? "brightgreen" : uptimePct >= 99 ? "green" : uptimePct >= 97 ? "yellowgreen" : uptimePct >= 95 ? "yellow" : uptimePct >= 90 ? "orange" : "red";
  return { message: pct(uptimePct), color };
}

/** A mean latency as a badge (green under 200 ms, red from 2 s). */
export function latencyBadge(ms: number | null): Omit<BadgeValue, "label"> {
  if (ms === null) return { message: "no data", color: "lightgrey" };
  const color = ms < 200 ? "brightgreen" : ms < 500 ? "green" : ms < 1000 ? "yellow" : ms < 2000 ? "orange" : "red";
  return { message: `${Math.round(ms)} ms`, color };
}

/** WCAG relative luminance of a hex colour. */
function luminance(hex: string): number {
  const h = hex.slice(1);
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  const lin = (i: number) => {
    const v = parseInt(full.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
}

/** White text, as badges usually have, unless dark text reads clearly better on this colour (yellow, bright green, light grey). */
function textColor(hex: string): string {
  const l = luminance(hex);
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance("#333") + 0.05);
  return onDark > onWhite * 1.5 ? "#333" : "#fff";
}

function part(x: number, width: number, text: string, fill: string, shadow: boolean): string {
  const tw = textWidth(text);
  const cx = x + width / 2;
  const dark = fill === "#333";
  const sh = shadow ? `<text x="${cx}" y="15" fill="${dark ? "#ccc" : "#010101"}" fill-opacity=".3" textLength="${tw}">${esc(text)}</text>` : "";
  return `${sh}<text x="${cx}" y="14" fill="${fill}" textLength="${tw}">${esc(text)}</text>`;
}

/** The badge as SVG. */
export function renderBadge(v: BadgeValue, style: BadgeStyle = "flat", labelColor = "grey"): string {
  const lw = Math.ceil(textWidth(v.label) + 10);
  const mw = Math.ceil(textWidth(v.message) + 10);
  const w = lw + mw;
  const left = colorHex(labelColor);
  const right = colorHex(v.color);
  const flat = style === "flat";
  const title = `${v.label}: ${v.message}`;
  const gloss = flat ? `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` : "";
  const clipOpen = flat ? `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)">` : "<g>";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${gloss}${clipOpen}` +
    `<rect width="${lw}" height="20" fill="${left}"/><rect x="${lw}" width="${mw}" height="20" fill="${right}"/>${flat ? `<rect width="${w}" height="20" fill="url(#s)"/>` : ""}</g>` +
    `<g text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11" text-rendering="geometricPrecision">${part(0, lw, v.label, textColor(left), flat)}${part(lw, mw, v.message, textColor(right), flat)}</g></svg>`
  );
}

/** shields.io's endpoint badge JSON (`https://img.shields.io/endpoint?url=…`). */
export function shieldsJson(v: BadgeValue): { schemaVersion: 1; label: string; message: string; color: string } {
  return { schemaVersion: 1, label: v.label, message: v.message, color: v.color };
}
