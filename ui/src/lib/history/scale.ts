// The timeline's window of time: zoom levels, panning, zooming about a point, the ticks of
// the time axis, and where a time falls in pixels. Pure functions: the view holds the state.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const ZOOMS = [
  { id: "hour", label: "Hour", span: HOUR },
  { id: "day", label: "Day", span: DAY },
  { id: "week", label: "Week", span: 7 * DAY },
  { id: "month", label: "Month", span: 30 * DAY },
  { id: "year", label: "Year", span: 365 * DAY },
] as const;

export type ZoomId = (typeof ZOOMS)[number]["id"];

/** A window of time, epoch milliseconds. */
export interface Window {
  from: number;
  to: number;
}

const MIN_SPAN = 5 * MINUTE;
const MAX_SPAN = 5 * 365 * DAY;

/** How far past now a window reaches (so running bakes show): 5%, at most an hour. */
export function futureMargin(span: number): number {
  return Math.min(span * 0.05, HOUR);
}

/** The window of a zoom level that ends a little after `now`. */
export function windowAt(zoom: ZoomId, now: number): Window {
  const span = ZOOMS.find((z) => z.id === zoom)?.span ?? DAY;
  const to = now + futureMargin(span);
  return { from: to - span, to };
}

/** The window moved by `fraction` of its span (negative: back in time). */
export function pan(window: Window, fraction: number): Window {
  const shift = (window.to - window.from) * fraction;
  return { from: window.from + shift, to: window.to + shift };
}

/** The window zoomed by `factor` (< 1: in) keeping the time at `anchor` (0–1) in place. */
export function zoom(window: Window, factor: number, anchor = 0.5): Window {
  const span = window.to - window.from;
  const next = Math.min(MAX_SPAN, Math.max(MIN_SPAN, span * factor));
  const at = window.from + span * anchor;
  return { from: at - next * anchor, to: at + next * (1 - anchor) };
}

/** The zoom level whose span is closest to the window's (for the toolbar). */
export function nearestZoom(window: Window): ZoomId {
  const span = window.to - window.from;
  let best: ZoomId = "day";
  let distance = Infinity;
  for (const z of ZOOMS) {
    const d = Math.abs(Math.log(span / z.span));
    if (d < distance) {
      distance = d;
      best = z.id;
    }
  }
  return best;
}

/** Where `time` falls in a `width`-pixel axis of `window`. */
export function xOf(window: Window, width: number, time: number): number {
  return ((time - window.from) / (window.to - window.from)) * width;
}

const STEPS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
];

/** A tick of the time axis. */
export interface Tick {
  time: number;
  label: string;
}

/**
 * The axis's ticks, at least `minGap` pixels apart, at round local times: minutes and hours
 * ("14:30"), days ("Dec 3"), months ("Dec 2026").
 */
export function ticks(window: Window, width: number, minGap = 90): Tick[] {
  const span = window.to - window.from;
  const wanted = (span / Math.max(width, 1)) * minGap;
  const step = STEPS.find((s) => s >= wanted);
  const out: Tick[] = [];
  if (step !== undefined) {
    // Round in local time: the offset of the window's start.
    const offset = new Date(window.from).getTimezoneOffset() * MINUTE;
    let t = Math.ceil((window.from - offset) / step) * step + offset;
    // Day steps of 7 or 14 start on a Monday-free grid; good enough for an axis.
    for (; t <= window.to; t += step) out.push({ time: t, label: label(t, step) });
    return out;
  }
  // Months (1, 3, 6 or 12 at a time), on the first of the month.
  const months = [1, 3, 6, 12].find((m) => m * 30 * DAY >= wanted) ?? 12;
  const start = new Date(window.from);
  const date = new Date(start.getFullYear(), start.getMonth() + 1, 1);
  date.setMonth(Math.floor(date.getMonth() / months) * months);
  while (date.getTime() <= window.to) {
    if (date.getTime() >= window.from) {
      out.push({
        time: date.getTime(),
        label: date.toLocaleDateString(undefined, { month: "short", year: "numeric" }),
      });
    }
    date.setMonth(date.getMonth() + months);
  }
  return out;
}

function label(time: number, step: number): string {
  const date = new Date(time);
  if (step < DAY) {
    const hm = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    // Midnight also says which day.
    if (date.getHours() === 0 && date.getMinutes() === 0) {
      return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
    }
    return hm;
  }
  return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** RFC 3339 UTC with milliseconds, as the history stores times. */
export function rfc3339(time: number): string {
  return new Date(time).toISOString();
}
