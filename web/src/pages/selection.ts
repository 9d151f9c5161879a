// The alert list's selection and cursor survive opening an alert and
// coming back (the list unmounts): they are kept per org and filter in
// sessionStorage (this tab only, gone when it closes).
import type { KeyValueStore } from "../api/client";

const PREFIX = "securenexus.alerts.view:";
/** At most this many selected ids are remembered. */
export const MAX_REMEMBERED = 1000;

export interface ListView {
  selected: string[];
  cursor: number;
}

function storage(): KeyValueStore | undefined {
  try {
    return typeof sessionStorage === "undefined" ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

/** loadView returns the remembered view of the list with this key. */
export function loadView(key: string, store: KeyValueStore | undefined = storage()): ListView {
  const empty = { selected: [], cursor: 0 };
  const raw = store?.getItem(PREFIX + key);
  if (!raw) return empty;
  try {
    const v = JSON.parse(raw) as Partial<ListView>;
    const selected = Array.isArray(v.selected) ? v.selected.filter((x): x is string => typeof x === "string").slice(0, MAX_REMEMBERED) : [];
    const cursor = typeof v.cursor === "number" && v.cursor >= 0 ? Math.floor(v.cursor) : 0;
    return { selected, cursor };
  } catch {
    return empty;
  }
}

/** saveView remembers the view of the list with this key. */
export function saveView(key: string, view: ListView, store: KeyValueStore | undefined = storage()) {
  if (!store) return;
  try {
    if (view.selected.length === 0 && view.cursor === 0) store.removeItem(PREFIX + key);
    else store.setItem(PREFIX + key, JSON.stringify({ selected: view.selected.slice(0, MAX_REMEMBERED), cursor: view.cursor }));
  } catch {
    /* storage full or unavailable: the view is simply not remembered */
  }
}
