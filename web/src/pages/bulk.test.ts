import { describe, expect, it } from "vitest";
import { changeOf, confirmText, doneText, parseTags, undoItems } from "./bulk";

const people = [{ user_id: "u-bob", name: "Bob Jones", role: "analyst" }];

describe("bulk actions", () => {
  it("parse typed tags: commas or spaces, trimmed, lower-cased, distinct", () => {
    expect(parseTags(" Phish, wave  phish,,")).toEqual(["phish", "wave"]);
    expect(parseTags("  ")).toEqual([]);
  });
  it("map to the API change", () => {
    expect(changeOf({ kind: "assign", assignee: "" })).toEqual({ assignee: "" });
    expect(changeOf({ kind: "tag", tags: ["a"] })).toEqual({ add_tags: ["a"] });
    expect(changeOf({ kind: "status", status: "resolved", reason: "benign" })).toEqual({ status: "resolved", reason: "benign" });
  });
  it("state the count and what changes in the confirmation", () => {
    expect(confirmText({ kind: "assign", assignee: "u-bob" }, { kind: "ids", ids: ["1", "2"] }, people)).toBe("The 2 alerts you selected will be assigned to Bob Jones. You can undo this right after.");
    expect(confirmText({ kind: "tag", tags: ["x"] }, { kind: "matching", filters: {}, count: 1234 })).toMatch(/^All 1,234 alerts matching the current filter will get the tag “x”, in one change/);
    expect(confirmText({ kind: "status", status: "triaged" }, { kind: "ids", ids: ["1"] })).toBe("The 1 alert you selected will be set to Triaged.");
    expect(doneText({ kind: "assign", assignee: "" }, 3)).toBe("Unassigned 3 alerts.");
  });
  it("undo restores only what the change replaced, per alert", () => {
    const prior = [
      { id: "a", assignee: "", tags: [] },
      { id: "b", assignee: "u-bob", tags: ["x"] },
      { id: "c", assignee: "u-me", tags: ["x", "y"] },
    ];
    expect(undoItems({ kind: "assign", assignee: "u-me" }, prior)).toEqual([
      { id: "a", assignee: "" },
      { id: "b", assignee: "u-bob" },
    ]);
    expect(undoItems({ kind: "tag", tags: ["x"] }, prior)).toEqual([{ id: "a", tags: [] }]);
    expect(undoItems({ kind: "tag", tags: ["x", "y"] }, prior)).toEqual([
      { id: "a", tags: [] },
      { id: "b", tags: ["x"] },
    ]);
    expect(undoItems({ kind: "status", status: "triaged" }, prior)).toEqual([]);
  });
});
