// The threat-intel API (docs/intel.md): indicators, import, feeds,
// matches and the allowlist. Kept next to the intel pages.
import { api } from "../../api/client";
import { toPage } from "../../api/list";
import type { Page } from "../../api/types";

export const INDICATOR_TYPES = ["ipv4", "ipv6", "cidr", "domain", "url", "md5", "sha1", "sha256", "email", "file", "ja3", "ja4"] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];
export const TLPS = ["clear", "green", "amber", "amber+strict", "red"] as const;
export type TLP = (typeof TLPS)[number];

export interface Indicator {
  id: string;
  org_id?: string;
  feed_id: string;
  type: IndicatorType;
  value: string;
  subdomains: boolean;
  detect: boolean;
  confidence: number;
  tlp: TLP;
  pap: TLP;
  first_seen: string;
  last_seen: string;
  valid_until?: string;
  tags: string[] | null;
  attack: string[] | null;
  description: string;
  stix_id?: string;
  sightings: number;
  false_positives: number;
  score: number;
  expires_at?: string;
  expired: boolean;
  flagged: boolean;
  throttled_until?: string;
  created_at: string;
  updated_at: string;
}

export interface IndicatorFilters {
  type?: string;
  feed_id?: string;
  tlp?: string;
  q?: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  rejected: number;
  allowlisted: number;
  by_type: Record<string, number> | null;
  errors?: { index: number; field: string; reason: string }[] | null;
  hunt_id?: string;
}

export interface Feed {
  id: string;
  org_id?: string;
  name: string;
  kind: "manual" | "stix" | "taxii" | "misp" | "csv";
  url?: string;
  enabled: boolean;
  confidence: number;
  tlp: TLP;
  subscribed: boolean;
  last_run_at?: string;
  last_success_at?: string;
  last_error?: string;
  consecutive_errors: number;
  last_count: number;
  interval_minutes: number;
  config?: { taxii?: { api_root?: string; collection_id?: string } } & Record<string, unknown>;
  health: "manual" | "never" | "ok" | "failing" | "stale";
  next_run_at?: string;
  cursor?: string;
}

export interface Match {
  id: string;
  alert_id: string;
  indicator_id: string;
  feed_id: string;
  type: IndicatorType;
  value: string;
  role: string;
  source: "ingest" | "retrohunt";
  false_positive: boolean;
  matched_at: string;
}

export interface AllowEntry {
  id: string;
  type: IndicatorType;
  value: string;
  subdomains: boolean;
  comment: string;
  created_by: string;
  created_at: string;
}

export interface AllowInput {
  type: IndicatorType;
  value: string;
  subdomains?: boolean;
  comment?: string;
}

const enc = encodeURIComponent;

export const intel = {
  indicators: async (f: IndicatorFilters, cursor?: string): Promise<Page<Indicator>> =>
    toPage<Indicator>(await api.get<unknown>("intel/indicators", { query: { ...f, cursor, limit: 50 } })),
  indicator: (id: string) => api.get<Indicator>(`intel/indicators/${enc(id)}`),
  deleteIndicator: (id: string) => api.delete<void>(`intel/indicators/${enc(id)}`),
  /** importFile posts a parsed STIX bundle or MISP event as the request body. */
  importFile: (format: "stix" | "misp", body: unknown) => api.post<ImportResult>("intel/import", body, { query: { format } }),
  feeds: async (): Promise<Feed[]> => toPage<Feed>(await api.get<unknown>("intel/feeds")).items,
  matches: async (indicatorId: string, cursor?: string): Promise<Page<Match>> =>
    toPage<Match>(await api.get<unknown>("intel/matches", { query: { indicator_id: indicatorId, cursor, limit: 50 } })),
  setVerdict: (matchId: string, falsePositive: boolean) => api.put<Match>(`intel/matches/${enc(matchId)}/verdict`, { false_positive: falsePositive }),
  allowlist: async (cursor?: string): Promise<Page<AllowEntry>> => toPage<AllowEntry>(await api.get<unknown>("intel/allowlist", { query: { cursor, limit: 100 } })),
  addAllow: (a: AllowInput) => api.post<AllowEntry>("intel/allowlist", a),
  deleteAllow: (id: string) => api.delete<void>(`intel/allowlist/${enc(id)}`),
};

/** detectFormat guesses the import format of a parsed file: a STIX bundle or object, else a MISP event or search response. */
export function detectFormat(doc: unknown): "stix" | "misp" | null {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  if (o.type === "bundle" || (typeof o.type === "string" && typeof o.spec_version === "string")) return "stix";
  if ("Event" in o || "response" in o || "Attribute" in o) return "misp";
  return null;
}

/** previewCounts counts what a file holds before it is imported: STIX objects by type, or MISP attributes. */
export function previewCounts(doc: unknown, format: "stix" | "misp"): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (k: string) => (out[k] = (out[k] ?? 0) + 1);
  const o = (doc ?? {}) as Record<string, unknown>;
  if (format === "stix") {
    const objs = o.type === "bundle" ? o.objects : [o];
    for (const x of Array.isArray(objs) ? objs : []) add(typeof (x as { type?: unknown })?.type === "string" ? (x as { type: string }).type : "unknown");
    return out;
  }
  const events: unknown[] = [];
  if (o.Event) events.push(o.Event);
  else if (Array.isArray(o.response)) for (const r of o.response) events.push((r as { Event?: unknown })?.Event ?? r);
  else events.push(o);
  for (const ev of events) {
    const e = (ev ?? {}) as { Attribute?: unknown; Object?: unknown };
    for (const a of Array.isArray(e.Attribute) ? e.Attribute : []) add(String((a as { type?: unknown })?.type ?? "unknown"));
    for (const ob of Array.isArray(e.Object) ? e.Object : [])
      for (const a of Array.isArray((ob as { Attribute?: unknown })?.Attribute) ? (ob as { Attribute: unknown[] }).Attribute : [])
        add(String((a as { type?: unknown })?.type ?? "unknown"));
  }
  return out;
}

export const TLP_CLASSES: Record<TLP, string> = {
  clear: "border-slate-400 text-slate-700 dark:text-slate-200",
  green: "border-emerald-600 text-emerald-800 dark:text-emerald-300",
  amber: "border-amber-500 text-amber-800 dark:text-amber-300",
  "amber+strict": "border-amber-600 text-amber-900 dark:text-amber-200",
  red: "border-red-600 text-red-800 dark:text-red-300",
};
