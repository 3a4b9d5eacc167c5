import { describe, expect, it } from "vitest";
import { DAY, HOUR, MINUTE, nearestZoom, pan, rfc3339, ticks, windowAt, xOf, zoom } from "./scale";

const NOW = Date.UTC(2026, 11, 3, 14, 0, 0);

describe("timeline scale", () => {
  it("a zoom level's window ends just after now", () => {
    const day = windowAt("day", NOW);
    expect(day.to - day.from).toBe(DAY);
    expect(day.to).toBeGreaterThan(NOW);
    expect(day.to - NOW).toBeLessThan(2 * HOUR);
    expect(nearestZoom(day)).toBe("day");
    expect(nearestZoom(windowAt("year", NOW))).toBe("year");
    expect(windowAt("year", NOW).to - NOW).toBe(HOUR);
  });

  it("pans by a share of the span and zooms about the anchor", () => {
    const day = windowAt("day", NOW);
    const back = pan(day, -0.5);
    expect(back.to).toBe(day.to - DAY / 2);
    const anchorTime = day.from + (day.to - day.from) * 0.25;
    const zoomed = zoom(day, 0.5, 0.25);
    expect(zoomed.to - zoomed.from).toBe(DAY / 2);
    expect(zoomed.from + (zoomed.to - zoomed.from) * 0.25).toBeCloseTo(anchorTime);
    const tiny = zoom(day, 1e-9);
    expect(tiny.to - tiny.from).toBe(5 * MINUTE);
  });

  it("places times in pixels", () => {
    const w = { from: 0, to: 1000 };
    expect(xOf(w, 500, 500)).toBe(250);
    expect(xOf(w, 500, -100)).toBe(-50);
  });

  it("ticks are round, ordered, inside the window and far enough apart", () => {
    for (const id of ["hour", "day", "week", "month", "year"] as const) {
      const w = windowAt(id, NOW);
      const ts = ticks(w, 900);
      expect(ts.length, id).toBeGreaterThan(2);
      expect(ts.length, id).toBeLessThanOrEqual(11);
      for (let i = 1; i < ts.length; i++) expect(ts[i].time).toBeGreaterThan(ts[i - 1].time);
      expect(ts.every((t) => t.time >= w.from && t.time <= w.to)).toBe(true);
      expect(ts.every((t) => t.label.length > 0)).toBe(true);
    }
  });

  it("writes times as the history stores them", () => {
    expect(rfc3339(NOW)).toBe("2026-12-03T14:00:00.000Z");
  });
});
