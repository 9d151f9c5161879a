import { describe, expect, it } from "vitest";
import { fmtAge, fmtNumber, fmtTime, fmtUTC, isoToLocal, localToISO, setFormatPrefs } from "./format";

describe("format in the user's zone and language", () => {
  const iso = "2026-11-27T09:31:05Z";
  it("shows English times as ISO wall time in the zone", () => {
    expect(fmtTime(iso, { language: "en", timeZone: "UTC" })).toBe("2026-11-27 09:31:05");
    expect(fmtTime(iso, { language: "en", timeZone: "Europe/Berlin" })).toBe("2026-11-27 10:31:05");
    expect(fmtTime(iso, { language: "en", timeZone: "America/New_York" })).toBe("2026-11-27 04:31:05");
    // Summer time: Berlin is UTC+2.
    expect(fmtTime("2026-07-01T00:15:00Z", { language: "en", timeZone: "Europe/Berlin" })).toBe("2026-07-01 02:15:00");
  });
  it("shows German times in German order", () => {
    expect(fmtTime(iso, { language: "de", timeZone: "Europe/Berlin" })).toBe("27.11.2026, 10:31:05");
  });
  it("keeps UTC for the tooltip", () => {
    expect(fmtUTC(iso)).toBe("2026-11-27 09:31:05 UTC");
    expect(fmtTime(null)).toBe("—");
  });
  it("formats numbers and ages by language", () => {
    setFormatPrefs({ language: "de", timeZone: "UTC" });
    expect(fmtNumber(12345)).toBe("12.345");
    expect(fmtAge("2026-11-27T09:26:05Z", Date.parse(iso))).toMatch(/^5\s?Min\.?$/);
    setFormatPrefs({ language: "en", timeZone: "UTC" });
    expect(fmtNumber(12345)).toBe("12,345");
    expect(fmtAge("2026-11-27T09:26:05Z", Date.parse(iso))).toBe("5m");
  });
  it("reads datetime-local input as wall time in the zone", () => {
    expect(localToISO("2026-11-27T10:31", "Europe/Berlin")).toBe("2026-11-27T09:31:00.000Z");
    expect(localToISO("2026-07-01T02:15", "Europe/Berlin")).toBe("2026-07-01T00:15:00.000Z");
    expect(localToISO("2026-11-27T10:31", "UTC")).toBe("2026-11-27T10:31:00.000Z");
    expect(localToISO("")).toBeUndefined();
    expect(localToISO("nonsense")).toBeUndefined();
    expect(isoToLocal("2026-11-27T09:31:00Z", "Europe/Berlin")).toBe("2026-11-27T10:31");
  });
});
