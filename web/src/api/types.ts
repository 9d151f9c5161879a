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
  /** ATT&CK names (GET/PATCH of one alert only). */
  attack?: AttackNames;
  entities?: Entity[] | null;
  tags?: string[] | null;
  unmapped?: Record<string, unknown> | null;
  raw?: unknown;
  quality?: number;
  fingerprint?: string;
  count?: number;
  first_seen?: string;
  last_event_time?: string;
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
  name: string;
  mfa_enabled: boolean;
  created_at?: string;
  /** Own display time zone (IANA); empty follows the selected org. */
  timezone?: string;
  /** Own UI language; empty follows the selected org. */
  language?: string;
}

/** One org of the caller with the caller's access in it. */
export interface OrgMembership {
  id: string;
  name: string;
  role: string;
  permissions: string[];
  mfa_required?: boolean;
  sso_enforced?: boolean;
  /** The org's default display time zone (IANA), also its reports' zone. */
  timezone?: string;
  /** The org's default UI language. */
  language?: string;
}

/** A display time zone and UI language (GET/PUT /auth/preferences, /org/locale). */
export interface LocalePrefs {
  timezone: string;
  language: string;
}

/** GET /auth/me (and the login response). */
export interface Me {
  kind: "user" | "apikey";
  user?: User;
  api_key_id?: string;
  session_id?: string;
  mfa?: boolean;
  orgs: OrgMembership[];
}

/** One of my sessions (GET /auth/sessions). */
export interface SessionInfo {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  method: "password" | "oidc";
  mfa: boolean;
  ip: string;
  user_agent: string;
  current: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: string[];
  created_at: string;
  created_by: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

/** POST /org/api-keys: the key plus its token, shown only in this response. */
export interface CreatedApiKey extends ApiKey {
  token: string;
}

/** Assignee is GET /alerts/assignees' item: a member alerts can be assigned to (no email). */
export interface Assignee {
  user_id: string;
  name: string;
  role: string;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: string;
  mfa_enabled: boolean;
  joined_at: string;
}

export interface Role {
  id?: string;
  name: string;
  description: string;
  built_in: boolean;
  permissions: string[];
}

export interface Invitation {
  id: string;
  email: string;
  role: string;
  created_at: string;
  expires_at: string;
  created_by?: string;
  accepted_at?: string | null;
  revoked_at?: string | null;
}

/** POST /org/invitations: the token is shown only in this response. */
export interface CreatedInvitation {
  invitation: Invitation;
  token: string;
  accept_url: string;
}

export interface AuditEntry {
  org_id: string;
  /** Position in the org's chain: the entry's identifier (no platform-wide row id is exposed). */
  seq: number;
  occurred_at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  outcome: "success" | "failure" | "denied";
  request_id: string;
  ip: string;
  user_agent: string;
  details: unknown;
  prev_hash: string;
  hash: string;
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

/** Alert list filters as the UI keeps them (in the URL). */
export interface AlertFilters {
  q?: string;
  severity?: string[];
  status?: string[];
  /** Source types, comma-separated. */
  source?: string;
  /** "type:value", e.g. "ip:10.0.0.5". */
  entity?: string;
  technique?: string;
  /** User id or "none". */
  assignee?: string;
  tag?: string;
  /** Event-time bounds (RFC 3339). */
  from?: string;
  to?: string;
  /** Relative event-time preset. */
  since?: Since;
  sort?: "received_time" | "event_time" | "severity";
  order?: "asc" | "desc";
}

/** The relative event-time presets of the list API. */
export const SINCE = ["1h", "24h", "7d", "30d"] as const;
export type Since = (typeof SINCE)[number];

/** The server's stored form of a filter (alerts.Filter). */
export interface SavedQuery {
  severity?: number[];
  status?: string[];
  source_type?: string[];
  from?: string;
  to?: string;
  entity_type?: string;
  entity_value?: string;
  technique?: string;
  assignee?: string;
  tag?: string;
  q?: string;
  since?: string;
  sort?: string;
  ascending?: boolean;
}

export interface SavedFilter {
  id: string;
  name: string;
  query: SavedQuery;
  created_at?: string;
  updated_at?: string;
}

export function severityOf(a: Pick<Alert, "severity_id" | "severity">): Severity {
  return a.severity ?? SEVERITY_IDS[a.severity_id] ?? "unknown";
}

/** ATT&CK names of an alert's ids, with MITRE's attribution. */
export interface AttackNames {
  tactics: { id: string; short_name: string; name: string }[];
  techniques: { id: string; name: string; tactics: string[] | null }[];
  attribution: string;
  source: string;
}

// ---- Incidents (internal/incident, docs/incidents.md) ----

export type IncidentStatus = "new" | "acknowledged" | "investigating" | "contained" | "resolved" | "closed";
export const INCIDENT_STATUSES: IncidentStatus[] = ["new", "acknowledged", "investigating", "contained", "resolved", "closed"];
export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  new: "New",
  acknowledged: "Acknowledged",
  investigating: "Investigating",
  contained: "Contained",
  resolved: "Resolved",
  closed: "Closed",
};
export type IncidentSeverity = "informational" | "low" | "medium" | "high" | "critical";
export const INCIDENT_SEVERITIES: IncidentSeverity[] = ["critical", "high", "medium", "low", "informational"];
export type Priority = "p1" | "p2" | "p3" | "p4";
export const PRIORITIES: Priority[] = ["p1", "p2", "p3", "p4"];
export type Disposition = "true_positive" | "benign_true_positive" | "false_positive" | "duplicate" | "other";
export const DISPOSITIONS: Disposition[] = ["true_positive", "benign_true_positive", "false_positive", "duplicate", "other"];
export const DISPOSITION_LABELS: Record<Disposition, string> = {
  true_positive: "True positive",
  benign_true_positive: "Benign true positive",
  false_positive: "False positive",
  duplicate: "Duplicate",
  other: "Other",
};

/** A custom field value as stored (JSON: string, number, string[]). */
export type FieldValue = string | number | string[] | null;

export interface Incident {
  id: string;
  title: string;
  description: string;
  type: string;
  severity: IncidentSeverity;
  priority: Priority;
  status: IncidentStatus;
  disposition?: Disposition;
  disposition_note?: string;
  assignee?: string | null;
  responders: string[] | null;
  tags: string[] | null;
  custom_fields: Record<string, FieldValue> | null;
  tactics: string[] | null;
  techniques: string[] | null;
  manual_tactics: string[] | null;
  manual_techniques: string[] | null;
  alert_count: number;
  merged_into?: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  acknowledged_at?: string;
  resolved_at?: string;
  closed_at?: string;
  /** The SLA clock (when the server tracks SLAs and a policy matched). */
  sla?: IncidentSLA;
}

/** PATCH /incidents/{id} (ChangeSet). */
export interface IncidentChange {
  title?: string;
  description?: string;
  severity?: IncidentSeverity;
  priority?: Priority;
  status?: IncidentStatus;
  disposition?: Disposition;
  disposition_note?: string;
  /** "" unassigns. */
  assignee?: string;
  responders?: string[];
  tags?: string[];
  add_tags?: string[];
  remove_tags?: string[];
  custom_fields?: Record<string, FieldValue>;
  manual_tactics?: string[];
  manual_techniques?: string[];
}

export interface ScorePart {
  name: string;
  weight: number;
  value: number;
}

/** Why correlation grouped alerts. */
export interface Explanation {
  rule: string;
  rule_version: number;
  group_key: string;
  shared_entities?: Entity[] | null;
  ignored_entities?: Entity[] | null;
  window_start: string;
  window_end: string;
  score: number;
  score_parts?: ScorePart[] | null;
  summary: string;
}

export interface LinkedAlert {
  alert_id: string;
  title: string;
  severity: string;
  source_type: string;
  rule?: string;
  event_time: string;
  tactics: string[] | null;
  techniques: string[] | null;
  entities: Entity[] | null;
  added_at: string;
  added_by: string;
  provenance: { via: string; from?: string; explanation?: Explanation };
}

/** GET /alerts/{id}/groupings item. */
export interface Grouping {
  group_id: string;
  rule: string;
  rule_version: number;
  group_key: string;
  alerts: number;
  incident_id?: string;
  explanation?: Explanation;
}

export type TaskStatus = "open" | "in_progress" | "done" | "cancelled";
export interface Task {
  id: string;
  incident_id: string;
  title: string;
  assignee?: string | null;
  due_at?: string | null;
  status: TaskStatus;
  position: number;
  moved_from?: string;
  created_at: string;
  updated_at: string;
}

export interface Note {
  id: string;
  incident_id: string;
  author: string;
  body: string;
  mentions: string[] | null;
  revisions: number;
  moved_from?: string;
  created_at: string;
  updated_at: string;
}

export interface NoteRevision {
  body: string;
  edited_by: string;
  edited_at: string;
}

export interface StateChange {
  id: string;
  incident_id: string;
  at: string;
  actor: string;
  kind: string;
  from?: string;
  to?: string;
  details?: unknown;
}

export type FieldKind = "text" | "number" | "select" | "multi_select" | "date" | "user";
export interface FieldDef {
  id: string;
  key: string;
  label: string;
  kind: FieldKind;
  options: string[] | null;
  required: boolean;
}

export interface IncidentTemplate {
  id?: string;
  type: string;
  name: string;
  description: string;
  severity: IncidentSeverity;
  priority: Priority;
  tasks: { title: string }[] | null;
  tags: string[] | null;
  shipped: boolean;
}

export interface AppNotification {
  id: string;
  kind: string;
  incident_id?: string;
  message: string;
  created_at: string;
  read_at?: string | null;
}

/** Incident list filters as the UI keeps them (in the URL). */
export interface IncidentFilters {
  status?: string[];
  severity?: string[];
  /** User id or "none". */
  assignee?: string;
  tag?: string;
  /** SLA states (ok, warning, breached, paused, met). */
  sla?: string[];
  sort?: "created_at" | "updated_at" | "severity";
  order?: "asc" | "desc";
}

// ---- Correlation (internal/correlate) ----

export type RuleKind = "shared_entities" | "attack_progression" | "burst" | "intel_match";
export interface CorrelationRule {
  key: string;
  version: number;
  name: string;
  description?: string;
  enabled: boolean;
  kind: RuleKind;
  condition?: string;
  group_by: string[];
  window_seconds: number;
  lateness_seconds?: number;
  min_count: number;
  min_distinct?: { field: string; count: number } | null;
  min_tactics?: number;
  outcome: string;
  severity?: string;
  shipped: boolean;
}

/** One incident a backtested rule would have opened. */
export interface WouldOpen {
  group_key: string;
  title: string;
  severity: string;
  alert_count: number;
  alert_ids: string[] | null;
  first_event: string;
  last_event: string;
  explanation: Explanation;
}

/** POST /correlation/backtest: what a rule would have done (writes nothing). */
export interface BacktestResult {
  rule: CorrelationRule;
  from: string;
  to: string;
  days: number;
  max_alerts: number;
  alerts_scanned: number;
  alerts_matched: number;
  truncated: boolean;
  groups: number;
  groups_below_gates: number;
  incidents_total: number;
  incidents_truncated: boolean;
  incidents: WouldOpen[] | null;
}

/** An incident candidate proposed by a rule with outcome propose. */
export interface Candidate {
  id: string;
  rule: string;
  rule_version: number;
  group_key: string;
  title: string;
  severity?: string;
  alert_count: number;
  explanation: Explanation;
  status: "pending" | "accepted" | "rejected";
  incident_id?: string;
  decided_by?: string;
  decided_at?: string;
  reason?: string;
  created_at: string;
}

// ---- SLA (incident SLA helper; absent when no policy matched) ----

export type SLAState = "ok" | "warning" | "breached" | "paused" | "met";
export interface SLATarget {
  state: SLAState;
  target_seconds: number;
  elapsed_seconds: number;
  remaining_seconds: number;
  warn_at?: string;
  due_at?: string;
  met_at?: string;
  warned_at?: string;
  breached_at?: string;
}
export interface IncidentSLA {
  state: SLAState;
  policy_id: string;
  policy: string;
  hours: "24x7" | "business";
  started_at: string;
  paused_at?: string;
  pause_reason?: string;
  paused_seconds: number;
  acknowledge: SLATarget;
  resolve: SLATarget;
}

export interface MetricsBucket {
  key: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  mtta_seconds?: number;
  mttr_seconds?: number;
  sla_tracked: number;
  sla_met: number;
  sla_breached: number;
  ack_breached: number;
  resolve_breached: number;
  sla_compliance?: number;
}
export interface FalsePositiveRate {
  key: string;
  incidents: number;
  false_positive_incidents: number;
  incident_rate?: number;
  alerts_closed: number;
  alerts_false_positive: number;
  alert_rate?: number;
}
export interface IncidentMetrics {
  from: string;
  to: string;
  group_by: string;
  period: string;
  timezone: string;
  total: MetricsBucket;
  groups: MetricsBucket[] | null;
  false_positives: { by_rule: FalsePositiveRate[] | null; by_source: FalsePositiveRate[] | null };
}
