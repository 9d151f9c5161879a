import { describe, expect, it } from "vitest";
import { chooseOrg } from "../auth/session";
import { attackURL } from "./AlertDetail";
import { filtersFromParams, filtersToParams } from "./alertFilters";
import { safeNext } from "./Login";
import { access, groupByTag, typeLabel, type Doc } from "./openapi";

describe("alert filters in the URL", () => {
  it("round-trip", () => {
    const f = { q: "powershell", severity: ["high", "critical"], status: ["new"], entity: "10.0.0.5", from: "2026-11-01T00:00:00.000Z" };
    const p = filtersToParams(f);
    expect(p.toString()).toBe("severity=high&severity=critical&status=new&q=powershell&entity=10.0.0.5&from=2026-11-01T00%3A00%3A00.000Z");
    expect(filtersFromParams(p)).toEqual(f);
  });
});

describe("safeNext", () => {
  it("keeps redirects on this origin", () => {
    expect(safeNext("/alerts/1?x=1")).toBe("/alerts/1?x=1");
    expect(safeNext("//evil.example")).toBe("/alerts");
    expect(safeNext("/\\evil.example")).toBe("/alerts");
    expect(safeNext("https://evil.example")).toBe("/alerts");
    expect(safeNext(null)).toBe("/alerts");
  });
});

describe("chooseOrg", () => {
  const orgs = [
    { id: "a", name: "A", role: "owner", permissions: [] },
    { id: "b", name: "B", role: "analyst", permissions: [] },
  ];
  it("keeps the remembered org only while the user belongs to it", () => {
    expect(chooseOrg(orgs, "b")?.id).toBe("b");
    expect(chooseOrg(orgs, "gone")?.id).toBe("a");
    expect(chooseOrg([], "b")).toBeNull();
  });
});

describe("attackURL", () => {
  it("links techniques and sub-techniques", () => {
    expect(attackURL("T1059")).toBe("https://attack.mitre.org/techniques/T1059/");
    expect(attackURL("t1059.001")).toBe("https://attack.mitre.org/techniques/T1059/001/");
    expect(attackURL("javascript:alert(1)")).toBeNull();
  });
});

describe("openapi helpers", () => {
  const doc: Doc = {
    paths: {
      "/api/v1/alerts": {
        get: { tags: ["Alerts"], summary: "List", "x-permission": "alerts:read" },
        post: { tags: ["Alerts"], summary: "Create", "x-permission": "alerts:ingest" },
      },
      "/api/v1/auth/login": { post: { tags: ["Auth"], "x-public": true } },
      "/api/v1/auth/me": { get: { tags: ["Auth"], "x-permission": "" } },
    },
  };
  it("groups by tag and orders by path and method", () => {
    const g = groupByTag(doc);
    expect(g.map(([t]) => t)).toEqual(["Alerts", "Auth"]);
    expect(g[0]![1].map((e) => e.method)).toEqual(["GET", "POST"]);
  });
  it("describes access rules", () => {
    expect(access({ "x-public": true }).kind).toBe("public");
    expect(access({ "x-permission": "" }).kind).toBe("authenticated");
    expect(access({ "x-permission": "alerts:read" })).toEqual({ kind: "permission", perm: "alerts:read" });
    expect(access({}).kind).toBe("undeclared");
  });
  it("labels types", () => {
    expect(typeLabel({ type: "array", items: { $ref: "#/components/schemas/Alert" } })).toBe("array<Alert>");
    expect(typeLabel({ type: ["string", "null"], format: "uuid" })).toBe("string|null(uuid)");
    expect(typeLabel({ type: "string", format: "date-time" })).toBe("string(date-time)");
  });
});

describe("saved filter conversion", () => {
  it("round-trips UI filters through the stored form", async () => {
    const { toSavedQuery, fromSavedQuery, alertQuery } = await import("../api/endpoints");
    const f = { severity: ["critical", "high"], status: ["new"], source: "suricata, cef", entity: "ip:10.0.0.5", technique: "T1059.001", q: "beacon", sort: "severity" as const, order: "asc" as const };
    const stored = toSavedQuery(f);
    expect(stored).toEqual({
      severity: [5, 4],
      status: ["new"],
      source_type: ["suricata", "cef"],
      entity_type: "ip",
      entity_value: "10.0.0.5",
      technique: "T1059.001",
      q: "beacon",
      sort: "severity",
      ascending: true,
    });
    expect(fromSavedQuery(stored)).toEqual({ ...f, source: "suricata,cef" });
    expect(alertQuery(f, "c1").source_type).toEqual(["suricata", "cef"]);
  });
});

describe("needsTOTP", () => {
  it("asks for the code only on mfa_required", async () => {
    const { needsTOTP } = await import("./Login");
    const { ApiError } = await import("../api/problem");
    expect(needsTOTP(new ApiError(401, { code: "mfa_required" }))).toBe(true);
    expect(needsTOTP(new ApiError(401, { code: "mfa_invalid" }))).toBe(false);
    expect(needsTOTP(new ApiError(401, { code: "invalid_credentials" }))).toBe(false);
    expect(needsTOTP(new Error("x"))).toBe(false);
  });
});
