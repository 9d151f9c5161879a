// API of the war room features that land beside the incident module:
// post-incident review and report (internal/report), kept here rather than
// in the shared api/ files. Each is shown only when the server's OpenAPI
// document has its path (lib/capabilities.ts).
import { api } from "../../api/client";
import type { TaskStatus } from "../../api/types";

const inc = (id: string) => `incidents/${encodeURIComponent(id)}`;

export const REVIEW_PATH = "/api/v1/incidents/{id}/review";
export const REPORT_PATH = "/api/v1/incidents/{id}/report";

export interface FollowUp {
  task_id: string;
  title: string;
  status: TaskStatus;
  assignee?: string;
  due_at?: string;
}

export interface Review {
  incident_id: string;
  exists: boolean;
  /** The incident is resolved or closed: only then may a review be saved. */
  editable: boolean;
  incident_status: string;
  root_cause: string;
  impact: string;
  lessons_learned: string;
  follow_ups: FollowUp[] | null;
  version: number;
  created_by?: string;
  created_at?: string;
  updated_by?: string;
  updated_at?: string;
}

/** A follow-up as saved: an existing task, or a new one to create. */
export type FollowUpInput = { task_id: string } | { title: string; assignee?: string; due_at?: string };

export interface ReviewInput {
  root_cause: string;
  impact: string;
  lessons_learned: string;
  follow_ups: FollowUpInput[];
  version?: number;
}

export const review = {
  get: (id: string) => api.get<Review>(`${inc(id)}/review`),
  put: (id: string, r: ReviewInput) => api.put<Review>(`${inc(id)}/review`, r),
};

export const reportPath = (id: string, format: "markdown" | "pdf") => `${inc(id)}/report?format=${format}`;

// ---- Timeline, presence, decisions (internal/timeline; decisions in internal/incident) ----

export const TIMELINE_ITEMS_PATH = "/api/v1/incidents/{id}/timeline/items";
export const TIMELINE_EXPORT_PATH = "/api/v1/incidents/{id}/timeline/export";
export const TIMELINE_ENTRIES_PATH = "/api/v1/incidents/{id}/timeline/entries";
export const TIMELINE_ANNOTATIONS_PATH = "/api/v1/incidents/{id}/timeline/annotations";
export const PRESENCE_PATH = "/api/v1/incidents/{id}/presence";
export const DECISIONS_PATH = "/api/v1/incidents/{id}/decisions";

export type ItemType = "alert" | "log" | "note" | "custody" | "entry";

export interface LinkedEntity {
  type: string;
  value: string;
  role?: string;
}

export interface Annotation {
  id: string;
  item_id: string;
  body: string;
  author: string;
  created_at: string;
  updated_at: string;
}

export interface TimelineItem {
  /** <type>:<uuid>, what annotations name. */
  id: string;
  type: ItemType;
  at: string;
  category: string;
  source: string;
  title: string;
  description?: string;
  actor?: string;
  ref_id: string;
  kind?: string;
  from?: string;
  to?: string;
  severity?: string;
  tactics?: string[];
  techniques?: string[];
  entities?: LinkedEntity[];
  decision?: boolean;
  decision_by?: string;
  sha256?: string;
  integrity?: string;
  annotations: Annotation[] | null;
}

export interface TimelinePage {
  items: TimelineItem[] | null;
  next_cursor?: string;
  prev_cursor?: string;
}

export interface TimelineFilter {
  category?: string[];
  source?: string[];
  entity?: string[];
  type?: string[];
}

export interface EntryInput {
  at: string;
  category: string;
  source?: string;
  title: string;
  description?: string;
  entities?: LinkedEntity[];
}

/** Entry categories the server accepts for analyst entries (ATT&CK tactics, then the others). */
export const ENTRY_CATEGORIES = [
  "reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
  "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control",
  "exfiltration", "impact", "observation", "action", "remediation", "communication", "legitimate", "other",
];

/** Categories of the items the server derives. */
export const BASE_CATEGORIES = ["alert", "state", "note", "task", "sla", "evidence"];

export const ENTITY_TYPES = ["ip", "domain", "url", "hostname", "user", "email", "md5", "sha1", "sha256", "process", "file", "cloud_resource"];

export interface Viewer {
  viewer: string;
  name: string;
  since: string;
  last_seen: string;
}

export interface Presence {
  viewers: Viewer[] | null;
  heartbeat_seconds: number;
  expiry_seconds: number;
}

export interface DecisionNote {
  id: string;
  incident_id: string;
  author: string;
  body: string;
  created_at: string;
  decision_at?: string;
  decision_by?: string;
}

export const timeline = {
  page: (id: string, f: TimelineFilter, cursor?: string, limit = 200) =>
    api.get<TimelinePage>(`${inc(id)}/timeline/items`, { query: { ...f, cursor, limit, order: "asc" } }),
  exportPath: (id: string, f: TimelineFilter, format: "json" | "csv") => {
    const p = new URLSearchParams({ format });
    for (const [k, vs] of Object.entries(f)) for (const v of (vs as string[] | undefined) ?? []) p.append(k, v);
    return `${inc(id)}/timeline/export?${p}`;
  },
  addEntry: (id: string, e: EntryInput) => api.post<unknown>(`${inc(id)}/timeline/entries`, e),
  deleteEntry: (id: string, entryId: string) => api.delete<void>(`${inc(id)}/timeline/entries/${encodeURIComponent(entryId)}`),
  annotate: (id: string, itemId: string, body: string) => api.post<Annotation>(`${inc(id)}/timeline/annotations`, { item_id: itemId, body }),
  deleteAnnotation: (id: string, annotationId: string) => api.delete<void>(`${inc(id)}/timeline/annotations/${encodeURIComponent(annotationId)}`),
};

export const presence = {
  heartbeat: (id: string) => api.put<Presence>(`${inc(id)}/presence`),
  list: (id: string) => api.get<Presence>(`${inc(id)}/presence`),
  leave: (id: string) => api.delete<void>(`${inc(id)}/presence`),
};

export const decisions = {
  list: async (id: string) => (await api.get<{ items: DecisionNote[] | null }>(`${inc(id)}/decisions`)).items ?? [],
  mark: (id: string, noteId: string) => api.put<DecisionNote>(`${inc(id)}/notes/${encodeURIComponent(noteId)}/decision`),
  unmark: (id: string, noteId: string) => api.delete<DecisionNote>(`${inc(id)}/notes/${encodeURIComponent(noteId)}/decision`),
};

/** parseEntities reads "ip:10.0.0.1, user:alice" into entities; bad parts are returned separately. */
export function parseEntities(text: string): { entities: LinkedEntity[]; bad: string[] } {
  const entities: LinkedEntity[] = [];
  const bad: string[] = [];
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(":");
    const type = i > 0 ? part.slice(0, i).trim().toLowerCase() : "";
    const value = i > 0 ? part.slice(i + 1).trim() : "";
    if (!ENTITY_TYPES.includes(type) || !value) bad.push(part);
    else if (!entities.some((e) => e.type === type && e.value === value)) entities.push({ type, value });
  }
  return { entities, bad };
}
