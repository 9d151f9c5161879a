import { describe, expect, it } from "vitest";
import type { Alert } from "../api/types";
import type { StreamEvent } from "../lib/eventStream";
import { arrivals, eventIds, newAlertsText, patchRows } from "./liveQueue";

const alert = (id: string, status = "new"): Alert => ({ id, status, title: id, event_time: "2026-12-07T00:00:00Z", severity_id: 3 }) as unknown as Alert;
const ev = (kind: string, payload: Record<string, unknown>): StreamEvent => ({ id: "1", org_id: "o", seq: 1, kind, subject: "", actor: "", occurred_at: "", payload });

describe("live queue", () => {
  it("reads created and changed alerts from events", () => {
    expect(eventIds(ev("alert.ingested.v1", { created: ["a"], updated: ["b"] }))).toEqual({ created: ["a"], changed: ["b"] });
    expect(eventIds(ev("alert.ingested.v1", { created: null }))).toEqual({ created: [], changed: [] });
    expect(eventIds(ev("alert.updated.v1", { alert_id: "c", fields: ["status"] }))).toEqual({ created: [], changed: ["c"] });
    expect(eventIds(ev("incident.created.v1", { alert_id: "c" }))).toEqual({ created: [], changed: [] });
  });
  it("counts as new only what is not on screen", () => {
    expect(arrivals(new Set(["b", "c"]), [alert("x"), alert("b"), alert("y"), alert("c")])).toEqual(["x", "y"]);
  });
  it("patches rows in place without adding, removing or moving any", () => {
    const data = { pages: [{ items: [alert("a"), alert("b")] }, { items: [alert("c")] }], pageParams: [undefined, "k"] };
    const out = patchRows(data, [alert("c", "triaged"), alert("z", "triaged")]);
    expect(out?.pages.flatMap((p) => p.items.map((a) => `${a.id}:${a.status}`))).toEqual(["a:new", "b:new", "c:triaged"]);
    expect(out?.pages[0]).toBe(data.pages[0]);
    expect(patchRows(data, [alert("z")])).toBe(data);
  });
  it("words the bar", () => {
    expect(newAlertsText(1, false)).toBe("1 new alert");
    expect(newAlertsText(3, false)).toBe("3 new alerts");
    expect(newAlertsText(50, true)).toBe("50+ new alerts");
  });
});
