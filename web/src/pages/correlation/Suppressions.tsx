// Suppressions and maintenance windows: alerts they match are stored as
// suppressed and never open incidents. A draft's impact is previewed
// ("would have suppressed X alerts of Y rules in the last 30 days").
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import { toPage } from "../../api/list";
import { ApiError } from "../../api/problem";
import { INCIDENT_SEVERITIES } from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, Field, Input, PageHeader, ProblemAlert, Section, Select, Spinner, fieldProps, td, th } from "../../components/ui";
import { cx, fmtTime } from "../../lib/format";
import { textarea } from "../incidents/parts";

interface Suppression {
  id: string;
  name: string;
  reason: string;
  condition?: string;
  filter?: { source_types?: string[]; title_contains?: string; max_severity?: string };
  expires_at: string;
  active: boolean;
  hits: number;
  last_hit_at?: string;
}

interface Preview {
  alerts_scanned: number;
  alerts_suppressed: number;
  rules: number;
  truncated: boolean;
  summary: string;
  by_rule: { rule_id: string; rule_name: string; alerts: number }[] | null;
}

function draftBody(d: { name: string; reason: string; sources: string; title: string; maxSev: string; condition: string; expires: string }) {
  const filter: Record<string, unknown> = {};
  const src = d.sources.split(",").map((s) => s.trim()).filter(Boolean);
  if (src.length) filter.source_types = src;
  if (d.title.trim()) filter.title_contains = d.title.trim();
  if (d.maxSev) filter.max_severity = d.maxSev;
  return { name: d.name.trim(), reason: d.reason.trim(), filter, condition: d.condition.trim() || undefined, expires_at: d.expires ? new Date(`${d.expires}T00:00:00Z`).toISOString() : undefined };
}

export function SuppressionsPage() {
  const qc = useQueryClient();
  const { can } = useSession();
  const key = useOrgKey("suppressions");
  const q = useQuery({ queryKey: key, queryFn: async () => toPage<Suppression>(await api.get<unknown>("correlation/suppressions", { query: { limit: 200 } })).items });
  const inMonth = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
  const [d, setD] = useState({ name: "", reason: "", sources: "", title: "", maxSev: "", condition: "", expires: inMonth });
  const set = (k: keyof typeof d, v: string) => setD((x) => ({ ...x, [k]: v }));
  const preview = useMutation({ mutationFn: () => api.post<Preview>("correlation/suppressions/preview", draftBody(d)) });
  const create = useMutation({
    mutationFn: () => api.post<Suppression>("correlation/suppressions", draftBody(d)),
    onSuccess: () => {
      setD({ name: "", reason: "", sources: "", title: "", maxSev: "", condition: "", expires: inMonth });
      preview.reset();
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => api.delete<void>(`correlation/suppressions/${encodeURIComponent(id)}`), onSuccess: () => void qc.invalidateQueries({ queryKey: key }) });
  const err = create.error ?? preview.error;
  const f = err instanceof ApiError ? err.fieldErrors() : {};
  const fe = (k: string) => f[k] ?? f[`filter.${k}`];
  const editable = can("incidents:manage");
  return (
    <div>
      <PageHeader title="Suppressions">
        <Link to="/correlation/rules" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
          Correlation rules
        </Link>
      </PageHeader>
      <div className="space-y-4 p-4">
        {editable && (
          <Section title="New suppression or maintenance window">
            <form
              className="space-y-2"
              onSubmit={(e) => {
                e.preventDefault();
                create.mutate();
              }}
            >
              <div className="grid gap-2 md:grid-cols-2">
                <Field id="sup-name" label="Name" error={fe("name")}>
                  <Input {...fieldProps("sup-name", fe("name"))} value={d.name} onChange={(e) => set("name", e.target.value)} />
                </Field>
                <Field id="sup-reason" label="Reason" error={fe("reason")}>
                  <Input {...fieldProps("sup-reason", fe("reason"))} value={d.reason} onChange={(e) => set("reason", e.target.value)} />
                </Field>
                <Field id="sup-sources" label="Source types (comma-separated)" error={fe("source_types")}>
                  <Input {...fieldProps("sup-sources", fe("source_types"))} value={d.sources} onChange={(e) => set("sources", e.target.value)} placeholder="nessus, qualys" />
                </Field>
                <Field id="sup-title" label="Title contains" error={fe("title_contains")}>
                  <Input {...fieldProps("sup-title", fe("title_contains"))} value={d.title} onChange={(e) => set("title", e.target.value)} />
                </Field>
                <Field id="sup-sev" label="At most severity" error={fe("max_severity")}>
                  <Select {...fieldProps("sup-sev", fe("max_severity"))} value={d.maxSev} onChange={(e) => set("maxSev", e.target.value)}>
                    <option value="">Any</option>
                    {INCIDENT_SEVERITIES.map((s) => (
                      <option key={s}>{s}</option>
                    ))}
                  </Select>
                </Field>
                <Field id="sup-expires" label="Expires (UTC date)" error={fe("expires_at")}>
                  <Input {...fieldProps("sup-expires", fe("expires_at"))} type="date" value={d.expires} onChange={(e) => set("expires", e.target.value)} />
                </Field>
              </div>
              <Field id="sup-condition" label="CEL condition (optional; with a filter both must match)" error={fe("condition")}>
                <textarea {...fieldProps("sup-condition", fe("condition"))} spellCheck={false} className={cx(textarea, "h-16 font-mono text-xs")} value={d.condition} onChange={(e) => set("condition", e.target.value)} />
              </Field>
              {err ? <ProblemAlert error={err} /> : null}
              {preview.data && (
                <p role="status" className="text-sm" data-testid="suppression-preview">
                  Impact: {preview.data.summary}
                  {preview.data.truncated ? " (scan truncated)" : ""}.
                  {(preview.data.by_rule ?? []).length > 0 && <span className="text-muted"> Top: {(preview.data.by_rule ?? []).slice(0, 3).map((r) => `${r.rule_name || r.rule_id} (${r.alerts})`).join(", ")}</span>}
                </p>
              )}
              <div className="flex gap-2">
                <Button disabled={preview.isPending} onClick={() => preview.mutate()}>
                  {preview.isPending ? "Previewing…" : "Preview impact (30 days)"}
                </Button>
                <Button type="submit" variant="primary" disabled={create.isPending || !d.name.trim() || !d.reason.trim()}>
                  Create
                </Button>
              </div>
            </form>
          </Section>
        )}
        {remove.error ? <ProblemAlert error={remove.error} /> : null}
        {q.isPending ? (
          <Spinner label="Loading suppressions" />
        ) : q.error ? (
          <ProblemAlert error={q.error} />
        ) : q.data.length === 0 ? (
          <p className="text-muted" data-testid="suppressions-empty">
            No suppressions.
          </p>
        ) : (
          <div className="overflow-x-auto" data-scroll-x>
            <table className="w-full text-sm" aria-label="Suppressions">
              <thead>
                <tr className="border-b border-slate-200 dark:border-slate-800">
                  <th className={th}>Suppression</th>
                  <th className={cx(th, "w-20")}>State</th>
                  <th className={cx(th, "w-16 text-right")}>Hits</th>
                  <th className={cx(th, "hidden w-40 md:table-cell")}>Expires (UTC)</th>
                  <th className={cx(th, "w-20")}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {q.data.map((s) => (
                  <tr key={s.id} className="border-b border-slate-100 dark:border-slate-800/70" data-testid="suppression-row">
                    <td className={td}>
                      <p className="font-medium">{s.name}</p>
                      <p className="text-[11px] text-muted">{s.reason}</p>
                    </td>
                    <td className={cx(td, "text-xs")}>{s.active ? "Active" : "Inactive"}</td>
                    <td className={cx(td, "text-right font-mono text-xs")}>{s.hits}</td>
                    <td className={cx(td, "hidden font-mono text-xs md:table-cell")}>{fmtTime(s.expires_at)}</td>
                    <td className={td}>
                      {editable && (
                        <Button size="sm" variant="dangerGhost" aria-label={`Delete ${s.name}`} disabled={remove.isPending} onClick={() => remove.mutate(s.id)}>
                          Delete
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
