// Pure helpers of the timeline's time axis (TimeAxis.tsx): the visible
// window, zoom around a point, pan, and tick marks at round steps.

export interface Span {
  start: number;
  end: number;
}

/** extent is the span of the times with a little padding (an hour around a single point). */
export function extent(times: number[]): Span {
  if (times.length === 0) {
    const now = Date.now();
    return { start: now - 3_600_000, end: now };
  }
  let lo = Math.min(...times);
  let hi = Math.max(...times);
  if (hi - lo < 60_000) {
    lo -= 1_800_000;
    hi += 1_800_000;
  }
  const pad = (hi - lo) * 0.03;
  return { start: lo - pad, end: hi + pad };
}

const MIN_SPAN = 10_000; // 10 s

/** zoom scales the span by factor (<1 zooms in) around the time at, kept inside bounds. */
export function zoom(s: Span, factor: number, at: number, bounds: Span): Span {
  const full = bounds.end - bounds.start;
  const len = Math.min(full, Math.max(MIN_SPAN, (s.end - s.start) * factor));
  const ratio = s.end > s.start ? (at - s.start) / (s.end - s.start) : 0.5;
  let start = at - len * Math.min(1, Math.max(0, ratio));
  start = Math.min(Math.max(start, bounds.start), bounds.end - len);
  return { start, end: start + len };
}

/** pan moves the span by a fraction of its length, kept inside bounds. */
export function pan(s: Span, fraction: number, bounds: Span): Span {
  const len = s.end - s.start;
  let start = s.start + len * fraction;
  start = Math.min(Math.max(start, bounds.start), bounds.end - len);
  return { start, end: start + len };
}

/** reveal pans the span (same length) so that t is inside it with a margin. */
export function reveal(s: Span, t: number, bounds: Span): Span {
  const len = s.end - s.start;
  const margin = len * 0.1;
  if (t >= s.start + margin && t <= s.end - margin) return s;
  let start = t - len / 2;
  start = Math.min(Math.max(start, bounds.start), bounds.end - len);
  return { start, end: start + len };
}

const STEPS = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000].map((s) => s * 1000);

/** ticks returns round times inside the span, at most about max of them. */
export function ticks(s: Span, max = 8): number[] {
  const len = s.end - s.start;
  const step = STEPS.find((x) => len / x <= max) ?? STEPS[STEPS.length - 1]!;
  const out: number[] = [];
  for (let t = Math.ceil(s.start / step) * step; t <= s.end; t += step) out.push(t);
  return out;
}

/** tickLabel formats a tick for the span's scale (UTC): time of day under two days, else the date. */
export function tickLabel(t: number, s: Span): string {
  const iso = new Date(t).toISOString();
  const len = s.end - s.start;
  if (len <= 120_000) return iso.slice(11, 19);
  if (len <= 2 * 86_400_000) return iso.slice(11, 16);
  return iso.slice(5, 10);
}
