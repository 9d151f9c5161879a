import { describe, expect, it } from "vitest";
import { applyPresence, initials } from "./Presence";
import { reviewInput } from "./Review";
import { parseEntities, timeline } from "./warroomApi";

describe("presence", () => {
  const p = { viewers: [{ viewer: "user:a", name: "Alan Analyst", since: "2026-12-06T10:00:00Z", last_seen: "2026-12-06T10:00:00Z" }], heartbeat_seconds: 15, expiry_seconds: 45 };
  it("adds a joining viewer once and removes a leaving one", () => {
    const joined = applyPresence(p, { kind: "presence.joined.v1", payload: { viewer: "user:b", name: "Ada Admin", since: "2026-12-06T10:01:00Z" } });
    expect(joined?.viewers?.map((v) => v.name)).toEqual(["Alan Analyst", "Ada Admin"]);
    const again = applyPresence(joined, { kind: "presence.joined.v1", payload: { viewer: "user:b", name: "Ada Admin" } });
    expect(again?.viewers).toHaveLength(2);
    const left = applyPresence(again, { kind: "presence.left.v1", payload: { viewer: "user:a", expired: true } });
    expect(left?.viewers?.map((v) => v.viewer)).toEqual(["user:b"]);
    expect(applyPresence(undefined, { kind: "presence.left.v1", payload: { viewer: "user:a" } })).toBeUndefined();
  });
  it("makes initials", () => {
    expect(initials("Alan Analyst")).toBe("AA");
    expect(initials("rita")).toBe("R");
    expect(initials("apikey:ci-bot")).toBe("AB");
  });
});

describe("timeline helpers", () => {
  it("parses linked entities and reports bad parts", () => {
    expect(parseEntities("ip:10.0.0.5, user:alice\nip:10.0.0.5")).toEqual({ entities: [{ type: "ip", value: "10.0.0.5" }, { type: "user", value: "alice" }], bad: [] });
    expect(parseEntities("host:x, ip:").bad).toEqual(["host:x", "ip:"]);
    expect(parseEntities("URL:https://a.example/x?y=1").entities).toEqual([{ type: "url", value: "https://a.example/x?y=1" }]);
  });
  it("builds the export path with repeated filters", () => {
    expect(timeline.exportPath("i-1", { category: ["note", "alert"], entity: ["ip:1.2.3.4"] }, "csv")).toBe("incidents/i-1/timeline/export?format=csv&category=note&category=alert&entity=ip%3A1.2.3.4");
  });
});

describe("review", () => {
  it("sends existing follow-ups by id, new ones by title, trimmed, with the version edited", () => {
    expect(reviewInput({ root_cause: " r ", impact: "i", lessons_learned: "", follow_ups: [{ task_id: "t1", title: "Old" }, { title: " New " }], version: 3 })).toEqual({
      root_cause: "r",
      impact: "i",
      lessons_learned: "",
      follow_ups: [{ task_id: "t1" }, { title: "New" }],
      version: 3,
    });
  });
});
