import { describe, expect, it } from "vitest";
import { buildQuery } from "../api/client";
import { alertQuery, fromSavedQuery, toSavedQuery } from "../api/endpoints";
import { filtersFromParams, filtersToParams, normalizeTechnique } from "./alertFilters";
import { loadView, saveView } from "./selection";

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k), m };
}

describe("multi-value filters", () => {
  it("are sent as repeated parameters, one value each (the API refuses commas)", () => {
    const q = buildQuery(alertQuery({ severity: ["critical", "high"], status: ["new", "triaged"], source: "suricata, cef" }));
    expect(q).toBe("?severity=critical&severity=high&status=new&status=triaged&source_type=suricata&source_type=cef&limit=50");
    expect(q).not.toContain("%2C");
  });
});

describe("time presets", () => {
  it("round-trip through the URL and saved filters", () => {
    const f = { since: "24h" as const, severity: ["high"] };
    expect(filtersFromParams(filtersToParams(f))).toEqual(f);
    expect(toSavedQuery(f)).toEqual({ since: "24h", severity: [4] });
    expect(fromSavedQuery({ since: "24h" })).toEqual({ since: "24h" });
    expect(alertQuery(f).since).toBe("24h");
  });
  it("drop unknown presets from the URL", () => {
    expect(filtersFromParams(new URLSearchParams("since=2h"))).toEqual({});
  });
});

describe("technique input", () => {
  it("is upper-cased and trimmed", () => {
    expect(normalizeTechnique(" t1003.001 ")).toBe("T1003.001");
    expect(normalizeTechnique("")).toBeUndefined();
  });
});

describe("list view memory", () => {
  it("keeps the selection and cursor per list key", () => {
    const s = memory();
    saveView("org|a", { selected: ["x", "y"], cursor: 3 }, s);
    expect(loadView("org|a", s)).toEqual({ selected: ["x", "y"], cursor: 3 });
    expect(loadView("org|b", s)).toEqual({ selected: [], cursor: 0 });
    saveView("org|a", { selected: [], cursor: 0 }, s);
    expect(s.m.size).toBe(0);
  });
  it("ignores damaged entries", () => {
    const s = memory();
    s.setItem("securenexus.alerts.view:k", "{not json");
    expect(loadView("k", s)).toEqual({ selected: [], cursor: 0 });
    s.setItem("securenexus.alerts.view:k", JSON.stringify({ selected: [1, "a"], cursor: -2 }));
    expect(loadView("k", s)).toEqual({ selected: ["a"], cursor: 0 });
  });
});
