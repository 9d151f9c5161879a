// API calls and shapes of the admin settings pages: ingest sources, custom
// roles, OIDC single sign-on and the org policy (GET/PATCH /org).
import { api } from "../../api/client";
import { ApiError } from "../../api/problem";
import type { Role } from "../../api/types";

export type SourceKind = "api" | "webhook" | "syslog";

export const SOURCE_KINDS: SourceKind[] = ["webhook", "syslog", "api"];

/** A configured alert source (SourceConfig). */
export interface Source {
  id: string;
  org_id: string;
  name: string;
  kind: SourceKind;
  source_type: string;
  dedup_keys: string[] | null;
  dedup_window_seconds: number;
  allowed_cidrs?: string[] | null;
  enabled: boolean;
  has_secret: boolean;
  previous_secret_expires_at?: string;
  /** Where the vendor sends alerts, on the server's configured public URL (empty for syslog). */
  intake_url?: string;
  created_at: string;
  updated_at: string;
}

/** Create and rotate answers: the secret and the webhook URL are in this response only. */
export interface SourceWithSecret extends Source {
  secret?: string;
  webhook_url?: string;
}

/** SourceConfigInput: create and replace (PUT) take the same body; kind cannot change. */
export interface SourceInput {
  name: string;
  kind: SourceKind;
  source_type?: string;
  dedup_keys?: string[];
  dedup_window_seconds?: number;
  allowed_cidrs?: string[];
  enabled?: boolean;
}

/**
 * DEDUP_KEYS are the alert fields a source may fingerprint on
 * (ingest.DedupKeyFields; the server refuses any other with a field error).
 */
export const DEDUP_KEYS = [
  "source_type",
  "rule_id",
  "rule_name",
  "title",
  "source_ref",
  "severity",
  "entities",
  "entity:ip",
  "entity:hostname",
  "entity:user",
  "entity:domain",
  "entity:url",
  "entity:sha256",
  "entity:md5",
  "entity:sha1",
  "entity:email",
  "entity:process",
  "entity:file",
  "entity:cloud_resource",
];

const src = (id: string) => `alert-sources/${encodeURIComponent(id)}`;

export const sources = {
  list: async () => (await api.get<{ items: Source[] | null }>("alert-sources")).items ?? [],
  types: async () => (await api.get<{ items: string[] | null }>("alert-source-types")).items ?? [],
  create: (input: SourceInput) => api.post<SourceWithSecret>("alert-sources", input),
  update: (id: string, input: SourceInput) => api.put<SourceWithSecret>(src(id), input),
  rotate: (id: string, gracePeriodSeconds?: number) =>
    api.post<SourceWithSecret>(`${src(id)}/rotate-secret`, gracePeriodSeconds === undefined ? {} : { grace_period_seconds: gracePeriodSeconds }),
  remove: (id: string) => api.delete<void>(src(id)),
};

/** sourceInput is the PUT body that keeps everything of s but what change sets. */
export function sourceInput(s: Source, change: Partial<SourceInput> = {}): SourceInput {
  return {
    name: s.name,
    kind: s.kind,
    source_type: s.source_type || undefined,
    dedup_keys: s.dedup_keys ?? [],
    dedup_window_seconds: s.dedup_window_seconds,
    allowed_cidrs: s.allowed_cidrs ?? [],
    enabled: s.enabled,
    ...change,
  };
}

/**
 * intakeURL is where the vendor sends alerts for s: the server's answer
 * (its configured public URL), else derived from the origin the admin uses.
 */
export function intakeURL(s: Pick<Source, "id" | "kind" | "intake_url">, origin: string): string {
  if (s.intake_url) return s.intake_url;
  const o = origin.replace(/\/$/, "");
  if (s.kind === "webhook") return `${o}/api/v1/webhooks/${s.id}`;
  if (s.kind === "api") return `${o}/api/v1/alerts?source_id=${s.id}`;
  return "";
}

export const roles = {
  list: async () => (await api.get<{ items: Role[] | null }>("org/roles")).items ?? [],
  create: (input: { name: string; description?: string; permissions: string[] }) => api.post<Role>("org/roles", input),
  update: (id: string, input: { description?: string; permissions: string[] }) => api.put<Role>(`org/roles/${encodeURIComponent(id)}`, input),
  remove: (id: string) => api.delete<void>(`org/roles/${encodeURIComponent(id)}`),
};

/** The org's OIDC configuration (the client secret is never returned). */
export interface OIDCConfig {
  /** False until the configuration is first saved (older servers answer 404 instead). */
  configured?: boolean;
  issuer: string;
  client_id: string;
  allowed_domains: string[] | null;
  enabled: boolean;
  redirect_url: string;
  login_url: string;
  updated_at?: string;
}

export interface OIDCInput {
  issuer: string;
  client_id: string;
  /** Write-only; omitted keeps the stored secret. */
  client_secret?: string;
  allowed_domains: string[];
  enabled: boolean;
}

export const oidc = {
  /** get answers configured=false (or null: a 404 from older servers) while the org has no OIDC configuration. */
  get: async (): Promise<OIDCConfig | null> => {
    try {
      return await api.get<OIDCConfig>("org/oidc");
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  },
  set: (input: OIDCInput) => api.put<OIDCConfig>("org/oidc", input),
};

/** The selected org with its policy (OrgView). */
export interface OrgPolicy {
  id: string;
  name: string;
  mfa_required: boolean;
  sso_enforced: boolean;
  ip_allowlist: string[] | null;
  session_lifetime_seconds: number;
  created_at: string;
  updated_at: string;
}

export interface OrgPatch {
  name?: string;
  mfa_required?: boolean;
  sso_enforced?: boolean;
  ip_allowlist?: string[];
  session_lifetime_seconds?: number;
}

export const org = {
  get: () => api.get<OrgPolicy>("org"),
  update: (patch: OrgPatch) => api.patch<OrgPolicy>("org", patch),
};
