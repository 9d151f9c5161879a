import { describe, expect, it } from "vitest";
import { extent, pan, reveal, tickLabel, ticks, zoom } from "./timeAxis";

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

describe("time axis", () => {
  it("extent pads the span and widens a single point to an hour", () => {
    const one = extent([T0]);
    expect(one.end - one.start).toBeGreaterThanOrEqual(H);
    const two = extent([T0, T0 + 10 * H]);
    expect(two.start).toBeLessThan(T0);
    expect(two.end).toBeGreaterThan(T0 + 10 * H);
  });
  it("zooms around a time and stays inside the bounds", () => {
    const b = { start: T0, end: T0 + 10 * H };
    const z = zoom(b, 0.5, T0 + 5 * H, b);
    expect(z.end - z.start).toBe(5 * H);
    expect(z.start).toBe(T0 + 2.5 * H);
    const edge = zoom(b, 0.5, T0, b);
    expect(edge.start).toBe(T0);
    const out = zoom(z, 4, T0 + 5 * H, b);
    expect(out).toEqual(b);
    expect(zoom(b, 1e-9, T0, b).end - T0).toBe(10_000);
  });
  it("pans by a fraction and reveals a time outside the view", () => {
    const b = { start: T0, end: T0 + 10 * H };
    const v = { start: T0, end: T0 + 2 * H };
    expect(pan(v, 0.5, b).start).toBe(T0 + H);
    expect(pan(v, -1, b).start).toBe(T0);
    const r = reveal(v, T0 + 9 * H, b);
    expect(r.end - r.start).toBe(2 * H);
    expect(r.start).toBe(T0 + 8 * H);
    expect(reveal(v, T0 + H, b)).toBe(v);
  });
  it("puts ticks at round steps and labels them for the scale", () => {
    const s = { start: T0 + 60_000, end: T0 + 6 * H };
    const t = ticks(s);
    expect(t.length).toBeLessThanOrEqual(8);
    expect(t[0]! % H).toBe(0);
    expect(tickLabel(T0, s)).toBe("10:00");
    expect(tickLabel(T0, { start: T0, end: T0 + 10 * 86_400_000 })).toBe("12-06");
    expect(tickLabel(T0 + 5000, { start: T0, end: T0 + 60_000 })).toBe("10:00:05");
  });
});
