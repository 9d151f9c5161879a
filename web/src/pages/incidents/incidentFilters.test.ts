import { describe, expect, it } from "vitest";
import { incidentFiltersFromParams, incidentFiltersToParams, insertMention, mentionQuery, nextStatuses, splitMentions } from "./incidentFilters";

describe("incident filters in the URL", () => {
  it("round-trips repeated status and severity, assignee and tag", () => {
    const p = new URLSearchParams("status=new&status=investigating&severity=high&assignee=none&tag=phish&sort=severity&order=asc");
    const f = incidentFiltersFromParams(p);
    expect(f).toEqual({ status: ["new", "investigating"], severity: ["high"], assignee: "none", tag: "phish", sort: "severity", order: "asc" });
    expect(incidentFiltersToParams(f).toString()).toBe(p.toString());
  });
  it("drops unknown values", () => {
    expect(incidentFiltersFromParams(new URLSearchParams("status=bogus&severity=fatal&sort=x"))).toEqual({});
  });
});

describe("nextStatuses", () => {
  it("follows the server's transition rules", () => {
    expect(nextStatuses("new")).toEqual(["acknowledged", "investigating", "contained", "resolved", "closed"]);
    expect(nextStatuses("contained")).toEqual(["investigating", "resolved", "closed"]);
    expect(nextStatuses("resolved")).toEqual(["closed", "investigating"]);
    expect(nextStatuses("closed")).toEqual(["investigating"]);
  });
});

describe("mentions", () => {
  const id = "01a242d0-e844-77a5-87b4-b131de9dfa0c";
  it("finds the @query before the caret", () => {
    expect(mentionQuery("ping @ri", 8)).toEqual({ start: 5, query: "ri" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("mail a@b", 8)).toBeNull();
  });
  it("inserts the token and splits it back out", () => {
    const r = insertMention("ping @ri now", 5, 8, id);
    expect(r.text).toBe(`ping <@${id}>  now`);
    expect(splitMentions(r.text)).toEqual([{ text: "ping " }, { user: id }, { text: "  now" }]);
  });
});

describe("SLA countdown", () => {
  it("counts down the first target not met", async () => {
    const { slaDue, fmtDuration } = await import("./incidentFilters");
    const t = (state: string, due?: string, remaining = 0) => ({ state, target_seconds: 0, elapsed_seconds: 0, remaining_seconds: remaining, due_at: due }) as never;
    const sla = { state: "ok", policy_id: "p", policy: "x", hours: "24x7", started_at: "", paused_seconds: 0, acknowledge: t("met"), resolve: t("ok", "2026-12-05T00:00:00Z", 7500) } as never;
    expect(slaDue(sla)).toEqual({ target: "resolve", due: "2026-12-05T00:00:00Z", remaining: 7500 });
    expect(fmtDuration(7500)).toBe("2h 05m");
    expect(fmtDuration(-90)).toBe("1m");
    expect(fmtDuration(90000)).toBe("1d 1h");
  });
});
