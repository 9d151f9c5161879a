import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/problem";
import { NEW_RULE, fmtWindow, joinRule, offsetOf, ruleIssues, splitRule } from "./ruleDraft";

describe("rule draft", () => {
  it("splits and joins a rule", () => {
    const { condition, json } = splitRule(NEW_RULE);
    expect(condition).toBe("alert.severity_id >= 4");
    expect(JSON.parse(json).condition).toBeUndefined();
    expect(joinRule(json, "true").rule).toMatchObject({ key: "my-rule", condition: "true", group_by: ["user", "hostname"] });
    expect(joinRule("{", "").error).toMatch(/^JSON: /);
    expect(joinRule("[]", "").error).toBe("JSON: the rule must be an object");
  });
  it("names the field and the CEL position", () => {
    const err = new ApiError(422, {
      code: "validation_failed",
      detail: "invalid rule",
      errors: [
        { location: "body.condition", message: "line 2, column 3: Syntax error: mismatched input" },
        { location: "body.rule.group_by[0]", message: "an entity type" },
      ],
    });
    expect(ruleIssues(err)).toEqual([
      { field: "condition", message: "Syntax error: mismatched input", line: 2, column: 3 },
      { field: "group_by[0]", message: "an entity type" },
    ]);
  });
  it("finds offsets and formats windows", () => {
    expect(offsetOf("ab\ncd", 2, 2)).toBe(4);
    expect(fmtWindow(86400)).toBe("1d");
    expect(fmtWindow(14400)).toBe("4h");
    expect(fmtWindow(90)).toBe("90s");
  });
});
