import { describe, expect, it } from "vitest";
import { intakeURL, sourceInput, type Source } from "./settingsApi";
import {
  allowlistProblem,
  domainProblem,
  groupPermissions,
  issuerProblem,
  lifetimeProblem,
  listErrors,
  listFieldError,
  parseAddr,
  parseList,
  pickablePermissions,
  roleNameProblem,
  senderNetworkProblem,
} from "./validate";

describe("parseList", () => {
  it("splits lines, commas and spaces without empties or repeats", () => {
    expect(parseList(" 10.0.0.0/24\n\n10.1.0.0/16, 10.0.0.0/24  192.0.2.1 ")).toEqual(["10.0.0.0/24", "10.1.0.0/16", "192.0.2.1"]);
    expect(parseList("")).toEqual([]);
  });
});

describe("addresses", () => {
  it("parses what netip.ParseAddr parses", () => {
    expect(parseAddr("192.0.2.1")?.bytes).toEqual([192, 0, 2, 1]);
    expect(parseAddr("::1")?.bytes).toEqual([...new Array(15).fill(0), 1]);
    expect(parseAddr("2001:db8::")?.bytes.slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(parseAddr("::ffff:10.1.2.3")?.bytes.slice(10)).toEqual([0xff, 0xff, 10, 1, 2, 3]);
    expect(parseAddr("1:2:3:4:5:6:7:8")?.bytes.length).toBe(16);
  });
  it("refuses what netip refuses", () => {
    for (const bad of ["10.0.0", "10.0.0.256", "010.0.0.1", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "fe80::1%eth0", "example.com", "", "1.2.3.4.5"]) {
      expect(parseAddr(bad), bad).toBeNull();
    }
  });
});

describe("senderNetworkProblem (syslog networks, as ingest.senderNetworkProblem)", () => {
  it("accepts narrow unicast networks and loopback", () => {
    for (const ok of ["10.20.0.0/16", "192.0.2.7/32", "10.0.0.5/24", "127.0.0.0/8", "2001:db8:1::/48", "::1/128", "::ffff:10.1.0.0/112"]) {
      expect(senderNetworkProblem(ok), ok).toBe("");
    }
  });
  it("explains the refused ones", () => {
    expect(senderNetworkProblem("10.0.0.0/8")).toMatch(/too broad.*\/16/);
    expect(senderNetworkProblem("0.0.0.0/0")).toBe("not a unicast sender network");
    expect(senderNetworkProblem("224.0.0.0/24")).toBe("not a unicast sender network");
    expect(senderNetworkProblem("ff02::/64")).toBe("not a unicast sender network");
    expect(senderNetworkProblem("2001:db8::/32")).toMatch(/\/48/);
    expect(senderNetworkProblem("::ffff:10.0.0.0/104")).toMatch(/IPv4.*\/16/);
    expect(senderNetworkProblem("10.0.0.1")).toBe("not a CIDR prefix");
    expect(senderNetworkProblem("10.0.0.0/33")).toBe("not a CIDR prefix");
    expect(senderNetworkProblem("10.0.0.0/016")).toBe("not a CIDR prefix");
  });
});

describe("other field checks", () => {
  it("allowlist takes CIDRs and bare addresses", () => {
    expect(allowlistProblem("10.0.0.0/8")).toBe("");
    expect(allowlistProblem("203.0.113.9")).toBe("");
    expect(allowlistProblem("2001:db8::/32")).toBe("");
    expect(allowlistProblem("nonsense")).toMatch(/not a CIDR or IP address/);
  });
  it("domains, issuer, role names, lifetime", () => {
    expect(domainProblem("Example.COM")).toBe("");
    expect(domainProblem("user@example.com")).not.toBe("");
    expect(domainProblem("localhost")).not.toBe("");
    expect(issuerProblem("https://login.example.com/tenant/v2.0")).toBe("");
    expect(issuerProblem("login.example.com")).not.toBe("");
    expect(issuerProblem("https://u:p@idp.example")).toMatch(/credentials/);
    expect(issuerProblem("ftp://idp.example")).not.toBe("");
    expect(roleNameProblem("tier1-analyst")).toBe("");
    expect(roleNameProblem("Tier1")).not.toBe("");
    expect(roleNameProblem("a")).not.toBe("");
    expect(roleNameProblem("admin")).toMatch(/built-in/);
    expect(lifetimeProblem("")).toBe("");
    expect(lifetimeProblem("0")).toBe("");
    expect(lifetimeProblem("480")).toBe("");
    expect(lifetimeProblem("1")).not.toBe("");
    expect(lifetimeProblem("43201")).not.toBe("");
    expect(lifetimeProblem("1.5")).not.toBe("");
  });
});

describe("list field errors", () => {
  it("client errors use the server's field names and fold with server ones", () => {
    const items = ["10.0.0.0/24", "bad", "10.0.0.0/8"];
    const client = listErrors("allowed_cidrs", items, senderNetworkProblem);
    expect(Object.keys(client)).toEqual(["allowed_cidrs[1]", "allowed_cidrs[2]"]);
    expect(listFieldError(client, "allowed_cidrs", items)).toBe("bad: not a CIDR prefix; 10.0.0.0/8: too broad: IPv4 sender networks are /16 or narrower");
    // A server problem names the index only: the entry is added.
    expect(listFieldError({ "allowed_cidrs[0]": "overlaps a network another organization sends syslog from" }, "allowed_cidrs", items)).toBe(
      "10.0.0.0/24: overlaps a network another organization sends syslog from",
    );
    expect(listFieldError({ allowed_cidrs: "a syslog source needs at least one sender network" }, "allowed_cidrs", [])).toBe("a syslog source needs at least one sender network");
    expect(listFieldError({ name: "x" }, "allowed_cidrs", items)).toBeUndefined();
  });
});

describe("permissions", () => {
  it("groups by area in a fixed order", () => {
    expect(groupPermissions(["audit:read", "alerts:write", "alerts:read", "admin:org", "zeta:x"])).toEqual([
      ["alerts", ["alerts:read", "alerts:write"]],
      ["admin", ["admin:org"]],
      ["audit", ["audit:read"]],
      ["zeta", ["zeta:x"]],
    ]);
  });
  it("offers only used permissions the editor holds, keeping the role's own", () => {
    const used = new Set(["alerts:read", "alerts:write", "admin:org"]);
    expect(pickablePermissions(used, ["alerts:read", "alerts:write", "playbooks:read", "ai:use"], [])).toEqual(["alerts:read", "alerts:write"]);
    expect(pickablePermissions(used, ["alerts:read"], ["playbooks:read"])).toEqual(["alerts:read", "playbooks:read"]);
    expect(pickablePermissions(null, ["b", "a"])).toEqual(["a", "b"]);
  });
});

describe("sources", () => {
  const s: Source = {
    id: "0190",
    org_id: "o",
    name: "fw",
    kind: "syslog",
    source_type: "",
    dedup_keys: null,
    dedup_window_seconds: 3600,
    allowed_cidrs: ["10.1.0.0/16"],
    enabled: true,
    has_secret: false,
    created_at: "",
    updated_at: "",
  };
  it("an edit keeps every other setting", () => {
    expect(sourceInput(s, { enabled: false })).toEqual({
      name: "fw",
      kind: "syslog",
      source_type: undefined,
      dedup_keys: [],
      dedup_window_seconds: 3600,
      allowed_cidrs: ["10.1.0.0/16"],
      enabled: false,
    });
  });
  it("intake URL per kind", () => {
    expect(intakeURL({ id: "abc", kind: "webhook" }, "https://soc.example/")).toBe("https://soc.example/api/v1/webhooks/abc");
    expect(intakeURL({ id: "abc", kind: "api" }, "https://soc.example")).toBe("https://soc.example/api/v1/alerts?source_id=abc");
    expect(intakeURL({ id: "abc", kind: "syslog" }, "https://soc.example")).toBe("");
    // The server's URL (its configured public URL) wins over the browser's origin.
    expect(intakeURL({ id: "abc", kind: "webhook", intake_url: "https://public.example/api/v1/webhooks/abc" }, "http://127.0.0.1:8080")).toBe(
      "https://public.example/api/v1/webhooks/abc",
    );
  });
});
