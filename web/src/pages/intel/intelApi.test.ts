import { describe, expect, it } from "vitest";
import { detectFormat, previewCounts } from "./intelApi";

describe("intel import preview", () => {
  it("detects STIX bundles, single STIX objects and MISP events", () => {
    expect(detectFormat({ type: "bundle", objects: [] })).toBe("stix");
    expect(detectFormat({ type: "indicator", spec_version: "2.1" })).toBe("stix");
    expect(detectFormat({ Event: { Attribute: [] } })).toBe("misp");
    expect(detectFormat({ response: [] })).toBe("misp");
    expect(detectFormat([1, 2])).toBeNull();
    expect(detectFormat({ hello: "world" })).toBeNull();
  });
  it("counts STIX objects by type", () => {
    const doc = { type: "bundle", objects: [{ type: "indicator" }, { type: "indicator" }, { type: "marking-definition" }, 3] };
    expect(previewCounts(doc, "stix")).toEqual({ indicator: 2, "marking-definition": 1, unknown: 1 });
  });
  it("counts MISP attributes, object attributes included, over a search response", () => {
    const ev = { Attribute: [{ type: "ip-dst" }, { type: "md5" }], Object: [{ Attribute: [{ type: "md5" }] }] };
    expect(previewCounts({ Event: ev }, "misp")).toEqual({ "ip-dst": 1, md5: 2 });
    expect(previewCounts({ response: [{ Event: ev }, { Event: { Attribute: [{ type: "url" }] } }] }, "misp")).toEqual({ "ip-dst": 1, md5: 2, url: 1 });
  });
});
