import { describe, expect, it } from "vitest";
import { Client, buildQuery, type KeyValueStore } from "./client";
import { toPage } from "./list";
import { ApiError, fieldKey, parseProblem } from "./problem";

function memStore(init: Record<string, string> = {}): KeyValueStore & { data: Record<string, string> } {
  const data = { ...init };
  return {
    data,
    getItem: (k) => (k in data ? data[k]! : null),
    setItem: (k, v) => {
      data[k] = v;
    },
    removeItem: (k) => {
      delete data[k];
    },
  };
}

function problemResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/problem+json", ...headers },
  });
}

describe("parseProblem", () => {
  it("reads an RFC 9457 problem with field errors", async () => {
    const err = await parseProblem(
      problemResponse(422, {
        type: "https://securenexus.dev/problems/validation_failed",
        title: "Unprocessable Entity",
        status: 422,
        detail: "validation failed",
        code: "validation_failed",
        retryable: false,
        request_id: "req-1",
        errors: [
          { location: "body.email", message: "expected string to be RFC 5322 email" },
          { location: "body.items[0].name", message: "expected length >= 2" },
          { message: "one of name or id is required" },
        ],
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe("validation_failed");
    expect(err.detail).toBe("validation failed");
    expect(err.requestId).toBe("req-1");
    expect(err.fieldErrors()).toEqual({
      email: "expected string to be RFC 5322 email",
      "items[0].name": "expected length >= 2",
    });
    expect(err.generalErrors()).toEqual(["one of name or id is required"]);
  });

  it("falls back to the status for non-JSON bodies and takes the request id header", async () => {
    const err = await parseProblem(new Response("<html>Bad gateway</html>", { status: 502, headers: { "X-Request-ID": "abc" } }));
    expect(err.status).toBe(502);
    expect(err.code).toBe("internal");
    expect(err.detail).toContain("502");
    expect(err.requestId).toBe("abc");
    expect(err.errors).toEqual([]);
  });

  it("handles empty bodies and marks 429/503 retryable", async () => {
    const err = await parseProblem(new Response(null, { status: 503 }));
    expect(err.code).toBe("unavailable");
    expect(err.retryable).toBe(true);
    expect(err.detail).toBe("Service Unavailable");
    const forbidden = await parseProblem(new Response("", { status: 403 }));
    expect(forbidden.retryable).toBe(false);
    expect(forbidden.code).toBe("forbidden");
  });

  it("ignores malformed errors entries", async () => {
    const err = await parseProblem(problemResponse(400, { code: "bad_request", errors: [null, 3, { location: "query.limit" }, { message: "ok", location: "query.limit" }] }));
    expect(err.errors).toEqual([{ message: "ok", location: "query.limit" }]);
    expect(err.fieldErrors()).toEqual({ limit: "ok" });
  });
});

describe("fieldKey", () => {
  it("strips the location prefix", () => {
    expect(fieldKey("body.name")).toBe("name");
    expect(fieldKey("query.cursor")).toBe("cursor");
    expect(fieldKey("path.id")).toBe("id");
    expect(fieldKey("body")).toBe("");
    expect(fieldKey(undefined)).toBe("");
    expect(fieldKey("name")).toBe("name");
  });
});

describe("buildQuery", () => {
  it("repeats arrays, skips empties, encodes values", () => {
    expect(buildQuery({ severity: ["high", "critical"], q: "a b&c", empty: "", none: undefined, limit: 50 })).toBe("?severity=high&severity=critical&q=a+b%26c&limit=50");
    expect(buildQuery({})).toBe("");
    expect(buildQuery(undefined)).toBe("");
  });
});

describe("Client", () => {
  it("sends the selected org, JSON body and same-origin credentials", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const store = memStore({ "securenexus.org": "org-1" });
    const c = new Client({
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response(JSON.stringify({ id: "a1", status: "triaged" }), { status: 200, headers: { "Content-Type": "application/json" } });
      },
      storage: store,
    });
    const out = await c.patch<{ status: string }>("alerts/a1", { status: "triaged" });
    expect(out.status).toBe("triaged");
    const call = calls[0]!;
    expect(call.url).toBe("/api/v1/alerts/a1");
    expect(call.init.method).toBe("PATCH");
    expect(call.init.credentials).toBe("same-origin");
    const h = call.init.headers as Record<string, string>;
    expect(h["X-Org-ID"]).toBe("org-1");
    expect(h["Content-Type"]).toBe("application/json");
    expect(call.init.body).toBe('{"status":"triaged"}');
  });

  it("omits X-Org-ID for org-less calls and remembers org changes", async () => {
    const seen: Record<string, string>[] = [];
    const store = memStore();
    const c = new Client({
      fetch: async (_u, init) => {
        seen.push(init.headers as Record<string, string>);
        return new Response(null, { status: 204 });
      },
      storage: store,
    });
    c.setOrg("org-2");
    expect(store.data["securenexus.org"]).toBe("org-2");
    await c.post("auth/logout", undefined, { org: false });
    await c.get("/readyz");
    expect(seen[0]!["X-Org-ID"]).toBeUndefined();
    expect(seen[1]!["X-Org-ID"]).toBe("org-2");
    c.setOrg(null);
    expect(store.data["securenexus.org"]).toBeUndefined();
  });

  it("throws ApiError for problems and reports 401", async () => {
    let unauthorized = 0;
    const c = new Client({
      fetch: async () => problemResponse(401, { status: 401, code: "unauthorized", detail: "session expired" }),
      onUnauthorized: () => unauthorized++,
    });
    await expect(c.get("alerts")).rejects.toMatchObject({ status: 401, code: "unauthorized", detail: "session expired" });
    expect(unauthorized).toBe(1);
  });

  it("turns network failures into a retryable network_error", async () => {
    const c = new Client({
      fetch: async () => {
        throw new TypeError("Failed to fetch");
      },
    });
    const err = await c.get("alerts").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("network_error");
    expect((err as ApiError).retryable).toBe(true);
  });

  it("rejects a 200 whose body is not JSON", async () => {
    const c = new Client({ fetch: async () => new Response("<html>", { status: 200 }) });
    await expect(c.get("alerts")).rejects.toMatchObject({ code: "bad_response" });
  });
});

describe("toPage", () => {
  it("reads items and next_cursor", () => {
    expect(toPage({ items: [1, 2], next_cursor: "abc" })).toEqual({ items: [1, 2], next_cursor: "abc" });
    expect(toPage({ items: [], next_cursor: "" })).toEqual({ items: [], next_cursor: undefined });
    expect(toPage([1])).toEqual({ items: [1] });
    expect(toPage(null)).toEqual({ items: [] });
  });
});
