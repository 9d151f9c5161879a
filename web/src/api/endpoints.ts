// Every API call the UI makes, in one place.
import { api } from "./client";
import { toPage } from "./list";
import type {
  Alert,
  AlertFilters,
  ApiKey,
  Assignee,
  AuditEntry,
  CreatedApiKey,
  CreatedInvitation,
  HealthReport,
  Invitation,
  Me,
  Member,
  Page,
  SavedFilter,
  SavedQuery,
  Role,
  SessionInfo,
} from "./types";
import { SEVERITY_IDS } from "./types";

export interface LoginInput {
  email: string;
  password: string;
  totp_code?: string;
}

export const auth = {
  login: (input: LoginInput) => api.post<Me>("auth/login", input, { org: false }),
  logout: () => api.post<void>("auth/logout", undefined, { org: false }),
  me: () => api.get<Me>("auth/me", { org: false }),
  changePassword: (input: { current_password: string; new_password: string }) => api.post<void>("auth/password", input, { org: false }),
  enrollMFA: () => api.post<{ secret: string; otpauth_url: string }>("auth/mfa/enroll", undefined, { org: false }),
  verifyMFA: (code: string) => api.post<void>("auth/mfa/verify", { code }, { org: false }),
  sessions: async (cursor?: string) => toPage<SessionInfo>(await api.get<unknown>("auth/sessions", { query: { cursor }, org: false })),
  revokeSession: (id: string) => api.delete<void>(`auth/sessions/${encodeURIComponent(id)}`, { org: false }),
};

/** alertQuery maps UI filters to GET /alerts query parameters. */
export function alertQuery(f: AlertFilters, cursor?: string, limit = 50) {
  return {
    q: f.q,
    severity: f.severity,
    status: f.status,
    source_type: splitList(f.source),
    entity: f.entity,
    technique: f.technique,
    assignee: f.assignee,
    tag: f.tag,
    from: f.from,
    to: f.to,
    since: f.since,
    sort: f.sort,
    order: f.order,
    cursor,
    limit,
  };
}

function splitList(v: string | undefined): string[] | undefined {
  const out = (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return out.length ? out : undefined;
}

/** toSavedQuery converts UI filters to the stored filter form. */
export function toSavedQuery(f: AlertFilters): SavedQuery {
  const q: SavedQuery = {};
  if (f.severity?.length) q.severity = f.severity.map(severityId).filter((n): n is number => n !== undefined);
  if (f.status?.length) q.status = f.status;
  const src = splitList(f.source);
  if (src) q.source_type = src;
  if (f.from) q.from = f.from;
  if (f.to) q.to = f.to;
  if (f.entity) {
    const i = f.entity.indexOf(":");
    if (i > 0) {
      q.entity_type = f.entity.slice(0, i);
      q.entity_value = f.entity.slice(i + 1);
    }
  }
  if (f.technique) q.technique = f.technique;
  if (f.assignee) q.assignee = f.assignee;
  if (f.tag) q.tag = f.tag;
  if (f.q) q.q = f.q;
  if (f.since) q.since = f.since;
  if (f.sort) q.sort = f.sort;
  if (f.order === "asc") q.ascending = true;
  return q;
}

/** fromSavedQuery converts a stored filter back to UI filters. */
export function fromSavedQuery(q: SavedQuery): AlertFilters {
  const f: AlertFilters = {};
  if (q.severity?.length) f.severity = q.severity.map((n) => SEVERITY_IDS[n] ?? "unknown");
  if (q.status?.length) f.status = q.status;
  if (q.source_type?.length) f.source = q.source_type.join(",");
  if (q.from) f.from = q.from;
  if (q.to) f.to = q.to;
  if (q.entity_type && q.entity_value) f.entity = `${q.entity_type}:${q.entity_value}`;
  if (q.technique) f.technique = q.technique;
  if (q.assignee) f.assignee = q.assignee;
  if (q.tag) f.tag = q.tag;
  if (q.q) f.q = q.q;
  if (q.since === "1h" || q.since === "24h" || q.since === "7d" || q.since === "30d") f.since = q.since;
  if (q.sort === "received_time" || q.sort === "event_time" || q.sort === "severity") f.sort = q.sort;
  if (q.ascending) f.order = "asc";
  return f;
}

function severityId(name: string): number | undefined {
  for (const [id, n] of Object.entries(SEVERITY_IDS)) if (n === name) return Number(id);
  return undefined;
}

/** AlertPatch is alerts.Change: assignee "" unassigns. */
export interface AlertPatch {
  status?: string;
  assignee?: string;
  tags?: string[];
  add_tags?: string[];
  remove_tags?: string[];
  /** Closure reason; required when status becomes resolved or false_positive. */
  reason?: string;
}

/** One entry of an alert's activity (comment or change). */
export interface Activity {
  id: string;
  kind: "comment" | "change";
  actor: string;
  body?: string;
  change?: AlertPatch;
  created_at: string;
}

/** needsReason tells whether moving to this status asks for a closure reason. */
export function needsReason(status: string | undefined): boolean {
  return status === "resolved" || status === "false_positive";
}

export const alerts = {
  list: async (f: AlertFilters, cursor?: string, signal?: AbortSignal): Promise<Page<Alert>> =>
    toPage<Alert>(await api.get<unknown>("alerts", { query: alertQuery(f, cursor), signal })),
  get: (id: string) => api.get<Alert>(`alerts/${encodeURIComponent(id)}`),
  update: (id: string, patch: AlertPatch) => api.patch<Alert>(`alerts/${encodeURIComponent(id)}`, patch),
  bulkUpdate: (ids: string[], change: AlertPatch) => api.post<{ updated: number }>("alerts/bulk-update", { ids, change }),
  assignees: () => api.get<{ items: Assignee[]; truncated: boolean }>("alerts/assignees"),
  activity: async (id: string) => (await api.get<{ items: Activity[] }>(`alerts/${encodeURIComponent(id)}/activity`)).items ?? [],
  comment: (id: string, body: string) => api.post<Activity>(`alerts/${encodeURIComponent(id)}/comments`, { body }),
  savedFilters: async () => toPage<SavedFilter>(await api.get<unknown>("alert-filters")).items,
  saveFilter: (name: string, filters: AlertFilters) => api.post<SavedFilter>("alert-filters", { name, query: toSavedQuery(filters) }),
  deleteFilter: (id: string) => api.delete<void>(`alert-filters/${encodeURIComponent(id)}`),
};

export const apiKeys = {
  list: async (cursor?: string) => toPage<ApiKey>(await api.get<unknown>("org/api-keys", { query: { cursor } })),
  create: (input: { name: string; permissions: string[]; expires_at?: string }) => api.post<CreatedApiKey>("org/api-keys", input),
  revoke: (id: string) => api.delete<void>(`org/api-keys/${encodeURIComponent(id)}`),
};

export const members = {
  list: async (cursor?: string) => toPage<Member>(await api.get<unknown>("org/members", { query: { cursor } })),
  roles: async () => toPage<Role>(await api.get<unknown>("org/roles")).items,
  setRole: (userId: string, role: string) => api.patch<Member>(`org/members/${encodeURIComponent(userId)}`, { role }),
  remove: (userId: string) => api.delete<void>(`org/members/${encodeURIComponent(userId)}`),
  invitations: async (cursor?: string) => toPage<Invitation>(await api.get<unknown>("org/invitations", { query: { cursor } })),
  invite: (input: { email: string; role: string; expires_in_hours?: number }) => api.post<CreatedInvitation>("org/invitations", input),
  revokeInvitation: (id: string) => api.delete<void>(`org/invitations/${encodeURIComponent(id)}`),
  acceptInvitation: (input: { token: string; name?: string; password?: string }) =>
    api.post<Member>("invitations/accept", input, { org: false }),
};

export interface AuditQuery {
  action?: string;
  actor?: string;
  target_type?: string;
  outcome?: string;
  since?: string;
  until?: string;
}

export const audit = {
  list: async (q: AuditQuery, cursor?: string) =>
    toPage<AuditEntry>(await api.get<unknown>("audit", { query: { ...q, cursor, limit: 100 } })),
};

export const ops = {
  /** /readyz answers 503 with the same report when not ready, so read the body either way. */
  ready: async (): Promise<{ httpStatus: number; report: HealthReport }> => {
    const res = await fetch("/readyz", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    return { httpStatus: res.status, report: (await res.json()) as HealthReport };
  },
  deep: () => api.get<HealthReport>("ops/health/deep"),
};

export const openapi = {
  get: () => api.get<unknown>("openapi.json", { org: false }),
};
