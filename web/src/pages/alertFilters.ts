import { SINCE, type AlertFilters, type Since } from "../api/types";

const MULTI = ["severity", "status"] as const;
const SINGLE = ["q", "source", "entity", "technique", "assignee", "tag", "from", "to", "since", "sort", "order"] as const;

/** filtersFromParams reads alert filters from the URL query. */
export function filtersFromParams(p: URLSearchParams): AlertFilters {
  const f: AlertFilters = {};
  for (const k of MULTI) {
    const v = p.getAll(k).filter(Boolean);
    if (v.length) f[k] = v;
  }
  for (const k of SINGLE) {
    const v = p.get(k);
    if (v) (f as Record<string, string>)[k] = v;
  }
  if (f.since && !SINCE.includes(f.since)) delete f.since;
  return f;
}

/** filtersToParams writes alert filters into a URL query (stable key order). */
export function filtersToParams(f: AlertFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of MULTI) for (const v of f[k] ?? []) p.append(k, v);
  for (const k of SINGLE) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  return p;
}

/** activeFilterCount counts set filters (sort order is not a filter). */
export function activeFilterCount(f: AlertFilters): number {
  return Object.entries(f).filter(([k, v]) => k !== "sort" && k !== "order" && (Array.isArray(v) ? v.length > 0 : !!v)).length;
}

/** isSince tells whether v is one of the relative time presets. */
export function isSince(v: string | undefined): v is Since {
  return !!v && (SINCE as readonly string[]).includes(v);
}

/** normalizeTechnique upper-cases an ATT&CK id the way the server stores it. */
export function normalizeTechnique(v: string | undefined): string | undefined {
  const t = v?.trim().toUpperCase();
  return t || undefined;
}
