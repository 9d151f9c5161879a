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
  LocalePrefs,
  Me,
  Member,
  Page,
  SavedFilter,
  SavedQuery,
  Role,
  SessionInfo,
  AppNotification,
  IncidentMetrics,
  BacktestResult,
  Candidate,
  CorrelationRule,
  FieldDef,
  Grouping,
  Incident,
  IncidentChange,
  IncidentFilters,
  IncidentTemplate,
  LinkedAlert,
  Note,
  NoteRevision,
  StateChange,
  Task,
  TaskStatus,
} from "./types";
import { SEVERITY_IDS } from "./types";

export interface LoginInput {
  email: string;
  password: string;
  totp_code?: string;
  /** A single-use recovery code instead of totp_code. */
  recovery_code?: string;
}

/** POST /auth/mfa/enroll: a pending secret, its otpauth URL and the QR code as a data:image/png URL. */
export interface MFAEnrollment {
  secret: string;
  otpauth_url: string;
  qr_png: string;
}

/** Recovery codes, shown only in the response that created them. */
export interface RecoveryCodes {
  recovery_codes: string[] | null;
  /** Other sessions signed out by enabling MFA. */
  revoked_sessions: number;
}

/** GET /auth/mfa. */
export interface MFAStatus {
  enabled: boolean;
  recovery_codes_left: number;
}

export const auth = {
  login: (input: LoginInput) => api.post<Me>("auth/login", input, { org: false }),
  logout: () => api.post<void>("auth/logout", undefined, { org: false }),
  me: () => api.get<Me>("auth/me", { org: false }),
  changePassword: (input: { current_password: string; new_password: string }) => api.post<void>("auth/password", input, { org: false }),
  enrollMFA: () => api.post<MFAEnrollment>("auth/mfa/enroll", undefined, { org: false }),
  verifyMFA: (code: string) => api.post<RecoveryCodes>("auth/mfa/verify", { code }, { org: false }),
  mfa: () => api.get<MFAStatus>("auth/mfa", { org: false }),
  disableMFA: (code: string) => api.post<void>("auth/mfa/disable", { code }, { org: false }),
  regenerateRecoveryCodes: (code: string) => api.post<RecoveryCodes>("auth/mfa/recovery-codes", { code }, { org: false }),
  sessions: async (cursor?: string) => toPage<SessionInfo>(await api.get<unknown>("auth/sessions", { query: { cursor }, org: false })),
  revokeSession: (id: string) => api.delete<void>(`auth/sessions/${encodeURIComponent(id)}`, { org: false }),
  preferences: () => api.get<LocalePrefs>("auth/preferences", { org: false }),
  setPreferences: (p: LocalePrefs) => api.put<LocalePrefs>("auth/preferences", p, { org: false }),
  orgLocale: () => api.get<LocalePrefs>("org/locale"),
  setOrgLocale: (p: LocalePrefs) => api.put<LocalePrefs>("org/locale", p),
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

/** An alert's assignee and tags before a bulk change (what undo restores); assignee "" was unassigned. */
export interface Prior {
  id: string;
  assignee: string;
  tags: string[];
}

/** What a bulk change answers: the count and each changed alert's prior state. */
export interface BulkResult {
  updated: number;
  previous?: Prior[];
}

/** One alert of POST /alerts/restore: the assignee and/or whole tag set to put back. */
export interface RestoreItem {
  id: string;
  assignee?: string;
  tags?: string[];
}

export const alerts = {
  list: async (f: AlertFilters, cursor?: string, signal?: AbortSignal): Promise<Page<Alert>> =>
    toPage<Alert>(await api.get<unknown>("alerts", { query: alertQuery(f, cursor), signal })),
  get: (id: string) => api.get<Alert>(`alerts/${encodeURIComponent(id)}`),
  update: (id: string, patch: AlertPatch) => api.patch<Alert>(`alerts/${encodeURIComponent(id)}`, patch),
  bulkUpdate: (ids: string[], change: AlertPatch) => api.post<BulkResult>("alerts/bulk-update", { ids, change }),
  /** restore puts assignees and tags back (undo of a bulk change), in one transaction. */
  restore: (items: RestoreItem[]) => api.post<{ restored: number }>("alerts/restore", { items }),
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

// ---- Incidents ----

const inc = (id: string) => `incidents/${encodeURIComponent(id)}`;

/** incidentQuery maps UI filters to GET /incidents query parameters. */
export function incidentQuery(f: IncidentFilters, cursor?: string, limit = 50) {
  return { status: f.status, severity: f.severity, sla: f.sla, assignee: f.assignee, tag: f.tag, sort: f.sort, order: f.order, cursor, limit };
}

export interface EscalateInput {
  alert_ids: string[];
  incident_id?: string;
  title?: string;
  type?: string;
  severity?: string;
  assignee?: string;
}

export interface TaskChange {
  title?: string;
  assignee?: string;
  due_at?: string;
  status?: TaskStatus;
  position?: number;
}

export const incidents = {
  list: async (f: IncidentFilters, cursor?: string, signal?: AbortSignal): Promise<Page<Incident>> =>
    toPage<Incident>(await api.get<unknown>("incidents", { query: incidentQuery(f, cursor), signal })),
  /** search lists open incidents for pickers (escalate to existing, merge). */
  open: async (): Promise<Incident[]> =>
    toPage<Incident>(await api.get<unknown>("incidents", { query: { status: ["new", "acknowledged", "investigating", "contained"], limit: 200, sort: "updated_at" } })).items,
  forAlert: async (alertId: string): Promise<Incident | null> => toPage<Incident>(await api.get<unknown>("incidents", { query: { alert: alertId, limit: 1 } })).items[0] ?? null,
  get: (id: string) => api.get<Incident>(inc(id)),
  update: (id: string, change: IncidentChange) => api.patch<Incident>(inc(id), change),
  bulkUpdate: (ids: string[], change: IncidentChange) => api.post<{ updated: number }>("incidents/bulk-update", { ids, change }),
  escalate: (input: EscalateInput) => api.post<{ created: boolean; incident: Incident }>("incidents/escalate", input),
  alerts: async (id: string) => toPage<LinkedAlert>(await api.get<unknown>(`${inc(id)}/alerts`, { query: { limit: 500 } })).items,
  detach: (id: string, alertId: string) => api.delete<void>(`${inc(id)}/alerts/${encodeURIComponent(alertId)}`),
  merge: (id: string, incidentIds: string[]) => api.post<{ survivor: Incident; merged: { incident_id: string; alerts: number; tasks: number; notes: number }[] }>(`${inc(id)}/merge`, { incident_ids: incidentIds }),
  split: (id: string, alertIds: string[], title?: string) => api.post<Incident>(`${inc(id)}/split`, { alert_ids: alertIds, title: title || undefined }),
  timeline: async (id: string) => toPage<StateChange>(await api.get<unknown>(`${inc(id)}/timeline`, { query: { limit: 200 } })).items,
  tasks: async (id: string) => toPage<Task>(await api.get<unknown>(`${inc(id)}/tasks`)).items,
  addTask: (id: string, title: string) => api.post<Task>(`${inc(id)}/tasks`, { title }),
  updateTask: (id: string, taskId: string, change: TaskChange) => api.patch<Task>(`${inc(id)}/tasks/${encodeURIComponent(taskId)}`, change),
  deleteTask: (id: string, taskId: string) => api.delete<void>(`${inc(id)}/tasks/${encodeURIComponent(taskId)}`),
  notes: async (id: string) => toPage<Note>(await api.get<unknown>(`${inc(id)}/notes`)).items,
  addNote: (id: string, body: string) => api.post<Note>(`${inc(id)}/notes`, { body }),
  editNote: (id: string, noteId: string, body: string) => api.patch<Note>(`${inc(id)}/notes/${encodeURIComponent(noteId)}`, { body }),
  noteRevisions: async (id: string, noteId: string) => toPage<NoteRevision>(await api.get<unknown>(`${inc(id)}/notes/${encodeURIComponent(noteId)}/revisions`)).items,
  pauseSLA: (id: string, reason: string) => api.post<Incident>(`${inc(id)}/sla/pause`, { reason }),
  resumeSLA: (id: string) => api.post<Incident>(`${inc(id)}/sla/resume`),
  metrics: (q: { from?: string; to?: string; group_by?: string; period?: string }) => api.get<IncidentMetrics>("incidents/metrics", { query: q }),
  fields: async () => toPage<FieldDef>(await api.get<unknown>("incident-fields")).items,
  templates: async () => toPage<IncidentTemplate>(await api.get<unknown>("incident-templates")).items,
};

export const notifications = {
  list: async (unread = false) => {
    const body = await api.get<{ items: AppNotification[] | null; unread: number; next_cursor?: string }>("notifications", { query: { unread: unread || undefined, limit: 20 } });
    return { items: body.items ?? [], unread: body.unread ?? 0 };
  },
  read: (id: string) => api.post<void>(`notifications/${encodeURIComponent(id)}/read`),
};

export const correlation = {
  rules: async () => toPage<CorrelationRule>(await api.get<unknown>("correlation/rules")).items,
  rule: (key: string) => api.get<CorrelationRule>(`correlation/rules/${encodeURIComponent(key)}`),
  validate: (rule: unknown, signal?: AbortSignal) => api.post<{ valid: boolean }>("correlation/rules/validate", rule, { signal }),
  create: (rule: CorrelationRule) => api.post<CorrelationRule>("correlation/rules", rule),
  replace: (key: string, rule: CorrelationRule) => api.put<CorrelationRule>(`correlation/rules/${encodeURIComponent(key)}`, rule),
  remove: (key: string) => api.delete<void>(`correlation/rules/${encodeURIComponent(key)}`),
  backtest: (req: { rule_key?: string; rule?: CorrelationRule; days?: number }) => api.post<BacktestResult>("correlation/backtest", req),
  candidates: async (status: "pending" | "accepted" | "rejected" = "pending") => toPage<Candidate>(await api.get<unknown>("correlation/candidates", { query: { status, limit: 100 } })).items,
  accept: (id: string, title?: string) => api.post<Candidate>(`correlation/candidates/${encodeURIComponent(id)}/accept`, { title: title || undefined }),
  reject: (id: string, reason: string) => api.post<Candidate>(`correlation/candidates/${encodeURIComponent(id)}/reject`, { reason }),
  groupings: async (alertId: string) => toPage<Grouping>(await api.get<unknown>(`alerts/${encodeURIComponent(alertId)}/groupings`)).items,
};

/** GET /alerts/matching: how many alerts a filter selects, bounded by max. */
export interface Matching {
  count: number;
  capped: boolean;
  max: number;
}

/** matchingQuery is alertQuery without paging and order: the filter of the select-all-matching operations. */
export function matchingQuery(f: AlertFilters) {
  const { sort: _s, order: _o, cursor: _c, limit: _l, ...rest } = alertQuery(f);
  return rest;
}

/** Select all matching: count by filter, change by filter (one transaction; answers the prior states for undo). */
export const alertMatching = {
  count: (f: AlertFilters) => api.get<Matching>("alerts/matching", { query: matchingQuery(f) }),
  bulkUpdate: (f: AlertFilters, change: AlertPatch, expectedCount?: number) =>
    api.post<BulkResult>("alerts/matching/bulk-update", { change, expected_count: expectedCount }, { query: matchingQuery(f) }),
};
