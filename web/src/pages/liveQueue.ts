// The live alert queue: while the list is open, alerts arriving over the
// stream (alert.ingested.v1) are counted in an "N new alerts — show" bar
// instead of being inserted (rows, selection and scroll stay put), and
// changes to rows on screen (alert.updated.v1, a duplicate raising a
// count) are applied in place, one row at a time.
import { useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { alerts } from "../api/endpoints";
import type { Alert, AlertFilters, Page } from "../api/types";
import type { StreamEvent, StreamState } from "../lib/eventStream";
import { useEventStream } from "../lib/useEventStream";

/** The kinds the queue listens to. */
export const QUEUE_KINDS = ["alert.ingested.v1", "alert.updated.v1"];
/** Coalescing windows (ms): arrivals are checked once per burst, row updates fetched together. */
const CHECK_MS = 750;
const UPDATE_MS = 300;
/** Up to this many changed rows are fetched one by one; more re-read the loaded pages instead. */
export const ROW_FETCH_MAX = 10;

type Pages = InfiniteData<Page<Alert>, string | undefined>;

/** eventIds reads what an event is about: alerts created, and alerts changed. */
export function eventIds(e: StreamEvent): { created: string[]; changed: string[] } {
  const p = e.payload as { created?: string[] | null; updated?: string[] | null; alert_id?: string };
  if (e.kind === "alert.ingested.v1") return { created: p.created ?? [], changed: p.updated ?? [] };
  if (e.kind === "alert.updated.v1" && p.alert_id) return { created: [], changed: [p.alert_id] };
  return { created: [], changed: [] };
}

/** arrivals are the alerts of a fresh first page not on screen yet, in list order. */
export function arrivals(loaded: ReadonlySet<string>, fresh: Alert[]): string[] {
  return fresh.filter((a) => !loaded.has(a.id)).map((a) => a.id);
}

/**
 * patchRows replaces the rows on screen by their fresh copies, in place:
 * no row is added, removed or moved (a row that no longer matches the
 * filter stays until the list is reloaded). Returns the same object when
 * nothing changed.
 */
export function patchRows(data: Pages | undefined, fresh: Alert[]): Pages | undefined {
  if (!data || fresh.length === 0) return data;
  const byId = new Map(fresh.map((a) => [a.id, a]));
  let changed = false;
  const pages = data.pages.map((p) => {
    let hit = false;
    const items = p.items.map((a) => {
      const f = byId.get(a.id);
      if (!f) return a;
      hit = changed = true;
      return f;
    });
    return hit ? { ...p, items } : p;
  });
  return changed ? { ...data, pages } : data;
}

/** newAlertsText: "1 new alert", "3 new alerts", "50+ new alerts" (a whole page of them). */
export function newAlertsText(n: number, more: boolean): string {
  return `${n.toLocaleString("en")}${more ? "+" : ""} new alert${n === 1 && !more ? "" : "s"}`;
}

export interface LiveQueue {
  state: StreamState;
  /** Ids of arrivals not shown yet (at most one page). */
  fresh: string[];
  /** The whole fresh page was new: there may be more than fresh.length. */
  more: boolean;
  /** Load the arrivals into the list (a refetch of its pages). */
  show(): Promise<void>;
}

export function useLiveQueue({ filters, queryKey, rows, enabled }: { filters: AlertFilters; queryKey: readonly unknown[]; rows: Alert[]; enabled: boolean }): LiveQueue {
  const qc = useQueryClient();
  const [fresh, setFresh] = useState<{ ids: string[]; more: boolean }>({ ids: [], more: false });
  const loaded = useRef<Set<string>>(new Set());
  loaded.current = new Set(rows.map((r) => r.id));
  const ctx = useRef({ filters, queryKey });
  ctx.current = { filters, queryKey };
  const checkTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const updateTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const changed = useRef<Set<string>>(new Set());
  const keyText = JSON.stringify(queryKey);

  // Another filter is another list: nothing is pending for it.
  useEffect(() => {
    setFresh({ ids: [], more: false });
    changed.current.clear();
  }, [keyText]);
  useEffect(
    () => () => {
      clearTimeout(checkTimer.current);
      clearTimeout(updateTimer.current);
    },
    [],
  );

  const check = useCallback(async () => {
    checkTimer.current = undefined;
    const { filters: f, queryKey: k } = ctx.current;
    try {
      const page = await alerts.list(f);
      if (JSON.stringify(ctx.current.queryKey) !== JSON.stringify(k)) return;
      const ids = arrivals(loaded.current, page.items);
      setFresh({ ids, more: ids.length === page.items.length && !!page.next_cursor });
    } catch {
      /* the next event checks again; the list itself shows load errors */
    }
  }, []);

  const applyUpdates = useCallback(async () => {
    updateTimer.current = undefined;
    const ids = [...changed.current].filter((id) => loaded.current.has(id));
    changed.current.clear();
    if (ids.length === 0) return;
    const { filters: f, queryKey: k } = ctx.current;
    let got: Alert[] = [];
    try {
      if (ids.length <= ROW_FETCH_MAX) {
        got = (await Promise.allSettled(ids.map((id) => alerts.get(id)))).flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      } else {
        // Many rows changed (a bulk change): re-read as many pages as are
        // loaded and take the copies of the rows on screen.
        const n = qc.getQueryData<Pages>(k)?.pages.length ?? 1;
        let cursor: string | undefined;
        for (let i = 0; i < n; i++) {
          const p = await alerts.list(f, cursor);
          got.push(...p.items);
          if (!p.next_cursor) break;
          cursor = p.next_cursor;
        }
      }
    } catch {
      return;
    }
    qc.setQueryData<Pages>(k, (d) => patchRows(d, got.filter((a) => loaded.current.has(a.id))));
  }, [qc]);

  const onEvent = useCallback(
    (e: StreamEvent) => {
      const { created, changed: ch } = eventIds(e);
      if (created.length && !checkTimer.current) checkTimer.current = setTimeout(() => void check(), CHECK_MS);
      const mine = ch.filter((id) => loaded.current.has(id));
      if (mine.length) {
        for (const id of mine) changed.current.add(id);
        if (!updateTimer.current) updateTimer.current = setTimeout(() => void applyUpdates(), UPDATE_MS);
      }
    },
    [check, applyUpdates],
  );

  const stream = useEventStream({
    enabled,
    query: { kind: QUEUE_KINDS },
    onEvent,
    // Events were missed: look for arrivals (rows refresh when shown).
    onResync: () => void check(),
  });

  const show = useCallback(async () => {
    await qc.refetchQueries({ queryKey: ctx.current.queryKey, exact: true });
    setFresh({ ids: [], more: false });
  }, [qc]);

  const pending = fresh.ids.filter((id) => !loaded.current.has(id));
  return { state: stream.state, fresh: pending, more: fresh.more, show };
}
