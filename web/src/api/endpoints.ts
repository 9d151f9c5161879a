// Every API call the UI makes, in one place.
import { api } from "./client";
import { toPage } from "./list";
import type {
  Alert,
  AlertFilters,
  ApiKey,
  AuditEntry,
  CreatedApiKey,
  HealthReport,
  Invitation,
  Me,
  Member,
  Page,
  SavedFilter,
} from "./types";

export interface LoginInput {
  email: string;
  password: string;
  totp_code?: string;
}

export const auth = {
  login: (input: LoginInput) => api.post<unknown>("auth/login", input, { org: false }),
  logout: () => api.post<void>("auth/logout", undefined, { org: false }),
  me: () => api.get<Me>("auth/me", { org: false }),
};

export function alertQuery(f: AlertFilters, cursor?: string, limit = 50) {
  return {
    q: f.q,
    severity: f.severity,
    status: f.status,
    source: f.source,
    entity: f.entity,
    technique: f.technique,
    assignee: f.assignee,
    tag: f.tag,
    from: f.from,
    to: f.to,
    cursor,
    limit,
  };
}

export interface AlertPatch {
  status?: string;
  assignee?: string | null;
}

export const alerts = {
  list: async (f: AlertFilters, cursor?: string, signal?: AbortSignal): Promise<Page<Alert>> =>
    toPage<Alert>(await api.get<unknown>("alerts", { query: alertQuery(f, cursor), signal })),
  get: (id: string) => api.get<Alert>(`alerts/${encodeURIComponent(id)}`),
  update: (id: string, patch: AlertPatch) => api.patch<Alert>(`alerts/${encodeURIComponent(id)}`, patch),
  bulkUpdate: (ids: string[], patch: AlertPatch) => api.post<unknown>("alerts/bulk", { ids, ...patch }),
  savedFilters: async () => toPage<SavedFilter>(await api.get<unknown>("alerts/saved-filters")).items,
  saveFilter: (name: string, filters: AlertFilters) => api.post<SavedFilter>("alerts/saved-filters", { name, filters }),
  deleteFilter: (id: string) => api.delete<void>(`alerts/saved-filters/${encodeURIComponent(id)}`),
};

export const apiKeys = {
  list: async (cursor?: string) => toPage<ApiKey>(await api.get<unknown>("api-keys", { query: { cursor } })),
  create: (input: { name: string; permissions: string[]; expires_at?: string }) => api.post<CreatedApiKey>("api-keys", input),
  revoke: (id: string) => api.delete<void>(`api-keys/${encodeURIComponent(id)}`),
};

export const members = {
  list: async (cursor?: string) => toPage<Member>(await api.get<unknown>("members", { query: { cursor } })),
  invitations: async (cursor?: string) => toPage<Invitation>(await api.get<unknown>("invitations", { query: { cursor } })),
  invite: (input: { email: string; role: string }) => api.post<Invitation>("invitations", input),
  revokeInvitation: (id: string) => api.delete<void>(`invitations/${encodeURIComponent(id)}`),
};

export interface AuditQuery {
  action?: string;
  actor?: string;
  from?: string;
  to?: string;
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
