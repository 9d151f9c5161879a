// Entity pages (docs/entities.md): lookup by type and value, summary,
// alerts and incidents (keyset pages), tags, notes with history, and the
// bounded relations graph with per-node neighbour cursors.
import { api } from "./client";
import { toPage } from "./list";
import type { Alert, Incident, Page } from "./types";

export const ENTITY_TYPES = ["ip", "domain", "url", "hostname", "user", "email", "md5", "sha1", "sha256", "process", "file", "cloud_resource"] as const;

export interface StoredEntity {
  id: string;
  type: string;
  value: string;
  first_seen: string;
}

export interface BoundedCount {
  count: number;
  capped?: boolean;
}

export interface EntitySummary {
  entity: StoredEntity;
  last_seen?: string;
  alerts: BoundedCount;
  incidents?: BoundedCount;
  sources: string[] | null;
  rules: string[] | null;
  intel: { available: boolean; matches: { indicator_id: string; type: string; confidence: number }[] | null };
  tags: string[] | null;
  notes: number;
}

export interface EntityNote {
  id: string;
  entity_id: string;
  author: string;
  body: string;
  revisions: number;
  created_at: string;
  updated_at: string;
}

export interface EntityNoteRevision {
  body: string;
  edited_by: string;
  edited_at: string;
}

export type NodeKind = "entity" | "alert" | "incident";

export interface GraphNode {
  id: string;
  kind: NodeKind;
  ref: string;
  label: string;
  depth: number;
  entity_type?: string;
  severity?: string;
  status?: string;
  time?: string;
  truncated?: boolean;
  cursor?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: "mentions" | "contains";
  role?: string;
}

export interface Graph {
  root: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
  incidents: boolean;
}

const ent = (id: string) => `entities/${encodeURIComponent(id)}`;
const neighbourBase: Record<NodeKind, string> = { entity: "entities", alert: "alerts", incident: "incidents" };

export const entities = {
  lookup: (type: string, value: string) => api.get<StoredEntity>("entities/lookup", { query: { type, value } }),
  summary: (id: string) => api.get<EntitySummary>(ent(id)),
  alerts: async (id: string, cursor?: string): Promise<Page<Alert>> => toPage<Alert>(await api.get<unknown>(`${ent(id)}/alerts`, { query: { cursor, limit: 25 } })),
  incidents: async (id: string, cursor?: string): Promise<Page<Incident>> => toPage<Incident>(await api.get<unknown>(`${ent(id)}/incidents`, { query: { cursor, limit: 25 } })),
  tags: (id: string, change: { add?: string[]; remove?: string[] }) => api.patch<{ tags: string[] | null }>(`${ent(id)}/tags`, change),
  notes: async (id: string, cursor?: string): Promise<Page<EntityNote>> => toPage<EntityNote>(await api.get<unknown>(`${ent(id)}/notes`, { query: { cursor, limit: 50 } })),
  addNote: (id: string, body: string) => api.post<EntityNote>(`${ent(id)}/notes`, { body }),
  editNote: (id: string, noteId: string, body: string) => api.patch<EntityNote>(`${ent(id)}/notes/${encodeURIComponent(noteId)}`, { body }),
  revisions: async (id: string, noteId: string) => (await api.get<{ items: EntityNoteRevision[] | null }>(`${ent(id)}/notes/${encodeURIComponent(noteId)}/revisions`)).items ?? [],
  graph: (id: string) => api.get<Graph>(`${ent(id)}/graph`, { query: { depth: 2, fanout: 10, max_nodes: 60 } }),
  neighbours: (n: GraphNode) => api.get<Graph>(`${neighbourBase[n.kind]}/${encodeURIComponent(n.ref)}/graph/neighbours`, { query: { cursor: n.cursor, fanout: 10 } }),
};

/** entityPath is the entity page of a type and value. */
export function entityPath(type: string, value: string): string {
  return `/entities/${encodeURIComponent(type)}/${value.split("/").map(encodeURIComponent).join("/")}`;
}
