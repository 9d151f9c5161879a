import { describe, expect, it } from "vitest";
import { assigneeName, assigneeOptions } from "./assignees";

const alan = { user_id: "0190a1b2-0000-7000-8000-000000000001", name: "Alan Analyst", role: "analyst" };
const rita = { user_id: "0190a1b2-0000-7000-8000-000000000002", name: "Rita Responder", role: "responder" };
const blank = { user_id: "0190c3d4-0000-7000-8000-000000000003", name: "  ", role: "viewer" };
const list = [alan, rita, blank];

describe("assigneeName", () => {
  it("names members, unassigned and unknown users", () => {
    expect(assigneeName(rita.user_id, list)).toBe("Rita Responder");
    expect(assigneeName(null, list)).toBe("Unassigned");
    expect(assigneeName("", list)).toBe("Unassigned");
    expect(assigneeName("none", list)).toBe("Unassigned");
    expect(assigneeName("01999999-0000-7000-8000-000000000009", list)).toBe("Unknown user 01999999");
    expect(assigneeName(alan.user_id, undefined)).toBe("Unknown user 0190a1b2");
    expect(assigneeName(blank.user_id, list)).toBe("Unnamed member 0190c3d4");
  });
});

describe("assigneeOptions", () => {
  it("names members, marks me and keeps the server's order", () => {
    expect(assigneeOptions(list, alan.user_id, "")).toEqual([
      { value: alan.user_id, label: "Alan Analyst (me)", title: "analyst" },
      { value: rita.user_id, label: "Rita Responder", title: "responder" },
      { value: blank.user_id, label: "Unnamed member 0190c3d4", title: "viewer" },
    ]);
  });
  it("tells namesakes apart", () => {
    const twin = { user_id: "01aaaaaa-0000-7000-8000-000000000004", name: "rita responder", role: "viewer" };
    expect(assigneeOptions([rita, twin], undefined, "").map((o) => o.label)).toEqual(["Rita Responder · 0190a1b2", "rita responder · 01aaaaaa"]);
  });
  it("keeps a current value that is no longer a member", () => {
    const gone = "01999999-0000-7000-8000-000000000009";
    const opts = assigneeOptions(list, undefined, gone);
    expect(opts).toHaveLength(4);
    expect(opts[3]).toEqual({ value: gone, label: "Unknown user 01999999" });
    expect(assigneeOptions(list, undefined, "none")).toHaveLength(3);
    expect(assigneeOptions(undefined, undefined, "")).toEqual([]);
  });
});
