import type { Page } from "./types";

/**
 * toPage normalises a list response. SecureNexus lists answer
 * `{items, next_cursor}`; a bare array (a non-paginated list) is one page.
 */
export function toPage<T>(body: unknown, key = "items"): Page<T> {
  if (Array.isArray(body)) return { items: body as T[] };
  if (body && typeof body === "object") {
    const o = body as Record<string, unknown>;
    const items = o[key];
    const next = o.next_cursor;
    return {
      items: Array.isArray(items) ? (items as T[]) : [],
      next_cursor: typeof next === "string" && next !== "" ? next : undefined,
    };
  }
  return { items: [] };
}
