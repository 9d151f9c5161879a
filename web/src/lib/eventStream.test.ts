import { describe, expect, it } from "vitest";
import { connectStream, SSEParser, type SSEMessage, type StreamEvent, type StreamState } from "./eventStream";
import { describeEvent, describeKind, liveTargets } from "../pages/incidents/liveEvents";

function parse(chunks: string[]) {
  const out: SSEMessage[] = [];
  const comments: string[] = [];
  const p = new SSEParser((m) => out.push(m), { onComment: (c) => comments.push(c) });
  for (const c of chunks) p.feed(c);
  return { out, comments, id: p.id };
}

describe("SSEParser", () => {
  it("parses id, event and data; joins data lines; skips comments", () => {
    const { out, comments } = parse(["id: 42\nevent: alert.updated.v1\ndata: {\"a\":1}\n\n", ": heartbeat\n\n", "data: one\ndata: two\n\n"]);
    expect(out).toEqual([
      { id: "42", event: "alert.updated.v1", data: '{"a":1}' },
      { id: "42", event: "message", data: "one\ntwo" },
    ]);
    expect(comments).toEqual(["heartbeat"]);
  });
  it("handles CRLF and CR line ends split across chunks", () => {
    const { out } = parse(["id: 1\r", "\nevent: x\r\ndata: a\r", "\r", "id: 2\rdata: b\r\r\n"]);
    expect(out).toEqual([
      { id: "1", event: "x", data: "a" },
      { id: "2", event: "message", data: "b" },
    ]);
  });
  it("keeps a partial message until its empty line and does not dispatch without data", () => {
    const p = parse(["id: 7\nevent: resync\n\n", "data: par", "tial"]);
    expect(p.out).toEqual([]);
    expect(p.id).toBe("7");
  });
  it("strips exactly one space after the colon", () => {
    expect(parse(["data:  two spaces\n\n"]).out[0]?.data).toBe(" two spaces");
    expect(parse(["data:none\n\n"]).out[0]?.data).toBe("none");
  });
});

/** sse builds a streaming response from chunks; hang keeps it open. */
function sse(chunks: string[], hang = false): Response {
  const enc = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(c) {
        for (const x of chunks) c.enqueue(enc.encode(x));
        if (!hang) c.close();
      },
    }),
    { status: 200, headers: { "Content-Type": "text/event-stream" } },
  );
}

const ev = (seq: number, kind = "incident.note_added.v1"): string =>
  `id: ${seq}\nevent: ${kind}\ndata: ${JSON.stringify({ id: `e${seq}`, org_id: "o", seq, kind, subject: "incident/1", actor: "user:u", occurred_at: "2026-12-06T00:00:00Z", payload: {} })}\n\n`;

const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(f()).toBe(true);
};

describe("connectStream", () => {
  it("resumes with Last-Event-ID after the connection ends, sends the org, reports states", async () => {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    const responses = [sse([ev(1), ev(2)]), sse([ev(3)], true)];
    const got: StreamEvent[] = [];
    const states: StreamState["status"][] = [];
    const h = connectStream({
      orgId: "org-1",
      query: { subject: "incident/1" },
      onEvent: (e) => got.push(e),
      onState: (s) => states.push(s.status),
      backoff: () => 1,
      fetch: async (url, init) => {
        calls.push({ url, headers: init.headers as Record<string, string> });
        return responses.shift() ?? sse([], true);
      },
    });
    await until(() => got.length === 3);
    h.close();
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(calls[0]?.url).toBe("/api/v1/stream?subject=incident%2F1");
    expect(calls[0]?.headers["X-Org-ID"]).toBe("org-1");
    expect(calls[0]?.headers["Last-Event-ID"]).toBeUndefined();
    expect(calls[1]?.headers["Last-Event-ID"]).toBe("2");
    expect(states).toContain("live");
    expect(states).toContain("reconnecting");
  });

  it("hands a resync to the caller and continues after its id", async () => {
    const calls: Record<string, string>[] = [];
    const responses = [sse(['id: 90\nevent: resync\ndata: {"reason":"too old"}\n\n']), sse([], true)];
    const resyncs: string[] = [];
    const h = connectStream({
      orgId: "o",
      lastEventId: "5",
      onEvent: () => undefined,
      onResync: (id) => resyncs.push(id),
      backoff: () => 1,
      fetch: async (_u, init) => {
        calls.push(init.headers as Record<string, string>);
        return responses.shift() ?? sse([], true);
      },
    });
    await until(() => calls.length === 2);
    h.close();
    expect(resyncs).toEqual(["90"]);
    expect(calls[0]?.["Last-Event-ID"]).toBe("5");
    expect(calls[1]?.["Last-Event-ID"]).toBe("90");
  });

  it("stops on 403 and retries a 503 with back-off", async () => {
    const seen: StreamState[] = [];
    let n = 0;
    const h = connectStream({
      orgId: "o",
      onEvent: () => undefined,
      onState: (s) => seen.push(s),
      backoff: () => 1,
      fetch: async () => {
        n++;
        const status = n === 1 ? 503 : 403;
        return new Response(JSON.stringify({ status, code: status === 403 ? "permission_denied" : "unavailable", detail: "no" }), { status, headers: { "Content-Type": "application/problem+json" } });
      },
    });
    await until(() => seen.some((s) => s.status === "stopped"));
    h.close();
    expect(n).toBe(2);
    expect(seen.find((s) => s.status === "reconnecting")?.attempt).toBe(1);
    expect(seen.at(-1)?.error?.status).toBe(403);
  });
});

describe("live targets", () => {
  it("maps kinds to the queries they change", () => {
    expect(liveTargets("incident.note_added.v1")).toContain("incident-notes");
    expect(liveTargets("incident.note_added.v1")).not.toContain("incident-alerts");
    expect(liveTargets("incident.alerts_linked.v1")).toEqual(expect.arrayContaining(["incident", "incident-alerts"]));
    expect(liveTargets("evidence.integrity_failed.v1")).toContain("incident-evidence");
    expect(liveTargets("incident.task_updated.v1")).toContain("incident-tasks");
    expect(liveTargets("incident.decision_marked.v1")).toContain("warroom-decisions");
    expect(liveTargets("presence.joined.v1")).toEqual([]);
    expect(liveTargets("incident.something_new.v1")).toEqual(["*"]);
  });
  it("describes kinds", () => {
    expect(describeKind("incident.note_added.v1")).toBe("added a note");
    expect(describeKind("incident.timeline_entry_added.v1")).toBe("timeline entry added");
    expect(describeEvent("incident.updated.v1", { incident_id: "i", details: { changed: ["status", "assignee"], status: "acknowledged" } })).toBe("changed status to acknowledged, assignee");
    expect(describeEvent("incident.updated.v1", { incident_id: "i" })).toBe("changed the incident");
  });
});
