// Shapes of the SecureNexus API as the UI uses them. Endpoints are listed in
// endpoints.ts; keep both in step with `securenexus openapi`.

export type Severity = "unknown" | "informational" | "low" | "medium" | "high" | "critical" | "fatal" | "other";

export const SEVERITY_IDS: Record<number, Severity> = {
  0: "unknown",
  1: "informational",
  2: "low",
  3: "medium",
  4: "high",
  5: "critical",
  6: "fatal",
  99: "other",
};

export const SEVERITIES: Severity[] = ["critical", "high", "medium", "low", "informational"];

export type AlertStatus = "new" | "triaged" | "in_progress" | "resolved" | "false_positive" | "suppressed";

export const STATUSES: AlertStatus[] = ["new", "triaged", "in_progress", "resolved", "false_positive", "suppressed"];

export const STATUS_LABELS: Record<AlertStatus, string> = {
  new: "New",
  triaged: "Triaged",
  in_progress: "In progress",
  resolved: "Resolved",
  false_positive: "False positive",
  suppressed: "Suppressed",
};

export interface Entity {
  type: string;
  value: string;
  role?: string;
}

export interface Alert {
  id: string;
  org_id?: string;
  event_time: string;
  received_time?: string;
  severity_id: number;
  severity?: Severity;
  title: string;
  description?: string;
  status: AlertStatus;
  source: { type: string; vendor?: string; product?: string };
  source_ref?: string;
  rule?: { id?: string; name?: string };
  tactics?: string[] | null;
  techniques?: string[] | null;
  entities?: Entity[] | null;
  tags?: string[] | null;
  unmapped?: Record<string, unknown> | null;
  raw?: unknown;
  quality?: number;
  fingerprint?: string;
  count?: number;
  first_seen?: string;
  last_seen?: string;
  assignee?: string | null;
}

/** A page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface User {
  id: string;
  email: string;
  name?: string;
  mfa_enabled?: boolean;
}

export interface OrgMembership {
  id: string;
  name: string;
  role: string;
  permissions?: string[];
}

export interface Me {
  user: User;
  orgs: OrgMembership[];
}

export interface ApiKey {
  id: string;
  name: string;
  prefix?: string;
  permissions?: string[];
  created_at: string;
  created_by?: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

export interface CreatedApiKey {
  key: ApiKey;
  /** The full secret, shown once. */
  secret: string;
}

export interface Member {
  id?: string;
  user_id: string;
  email?: string;
  name?: string;
  role: string;
  created_at?: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: string;
  created_at: string;
  expires_at: string;
  accepted_at?: string | null;
  revoked_at?: string | null;
  /** Present only in the response that created the invitation. */
  token?: string;
  accept_url?: string;
}

export interface AuditEntry {
  id: string;
  seq?: number;
  time: string;
  actor: string;
  action: string;
  target_type?: string;
  target_id?: string;
  outcome: string;
  request_id?: string;
  ip?: string;
  user_agent?: string;
  details?: unknown;
}

export interface HealthCheck {
  name: string;
  status: "ok" | "failing";
  critical: boolean;
  detail?: string;
  error?: string;
  duration_ms: number;
}

export interface HealthReport {
  status: "ok" | "degraded" | "failing";
  checks: HealthCheck[] | null;
}

export interface AlertFilters {
  q?: string;
  severity?: string[];
  status?: string[];
  source?: string;
  entity?: string;
  technique?: string;
  assignee?: string;
  tag?: string;
  from?: string;
  to?: string;
}

export interface SavedFilter {
  id: string;
  name: string;
  filters: AlertFilters;
}

export function severityOf(a: Pick<Alert, "severity_id" | "severity">): Severity {
  return a.severity ?? SEVERITY_IDS[a.severity_id] ?? "unknown";
}
