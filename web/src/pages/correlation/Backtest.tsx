// Backtest of a saved or draft rule (writes nothing) and the incident
// candidates rules with outcome "propose" leave for an analyst.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { Link } from "react-router";
import { correlation } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import type { Candidate, CorrelationRule } from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { Button, Field, Input, ProblemAlert, Select, SeverityBadge, Spinner, fieldProps, td, th } from "../../components/ui";
import { cx, fmtTime } from "../../lib/format";
import { ExplanationView } from "../incidents/IncidentDetail";
import { ruleIssues } from "./ruleDraft";

type Sev = Parameters<typeof SeverityBadge>[0]["severity"];

/** BacktestPanel runs the rule as saved (ruleKey) or the current draft. */
export function BacktestPanel({ ruleKey, draft }: { ruleKey?: string; draft?: CorrelationRule }) {
  const [days, setDays] = useState(7);
  const [open, setOpen] = useState<string | null>(null);
  const m = useMutation({ mutationFn: () => correlation.backtest(draft ? { rule: draft, days } : { rule_key: ruleKey, days }) });
  const r = m.data;
  return (
    <div className="space-y-2" data-testid="backtest">
      <div className="flex flex-wrap items-center gap-2">
        <Select aria-label="Backtest period" className="w-36" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {[1, 7, 14, 30].map((d) => (
            <option key={d} value={d}>
              Last {d} day{d === 1 ? "" : "s"}
            </option>
          ))}
        </Select>
        <Button size="sm" disabled={m.isPending || (!draft && !ruleKey)} onClick={() => m.mutate()}>
          {m.isPending ? "Running…" : draft ? "Backtest this draft" : "Backtest"}
        </Button>
        <span className="text-xs text-muted">Runs the rule alone over the stored alerts; writes nothing.</span>
      </div>
      {m.isPending && <Spinner label="Running backtest" />}
      {m.error ? (
        m.error instanceof ApiError && m.error.status === 422 ? (
          <ul role="alert" className="text-xs text-red-700 dark:text-red-400">
            {ruleIssues(m.error).map((i, n) => (
              <li key={n}>
                <span className="font-mono">{i.field}</span>
                {i.line ? ` line ${i.line}, column ${i.column}` : ""}: {i.message}
              </li>
            ))}
          </ul>
        ) : (
          <ProblemAlert error={m.error} />
        )
      ) : null}
      {r && (
        <div className="space-y-2">
          <p className="text-sm" role="status" data-testid="backtest-summary">
            {fmtTime(r.from)} – {fmtTime(r.to)}: scanned {r.alerts_scanned.toLocaleString()} alerts{r.truncated ? ` (stopped at ${r.max_alerts.toLocaleString()}, oldest first)` : ""}, {r.alerts_matched.toLocaleString()} matched, {r.groups} group
            {r.groups === 1 ? "" : "s"} ({r.groups_below_gates} below the gates): <strong>would have opened {r.incidents_total} incident{r.incidents_total === 1 ? "" : "s"}</strong>
            {r.incidents_truncated ? " (the first 200 listed)" : ""}.
          </p>
          {(r.incidents ?? []).length === 0 ? (
            <p className="text-sm text-muted">No incident in this period.</p>
          ) : (
            <div className="overflow-x-auto" data-scroll-x>
              <table className="w-full text-sm" aria-label="Incidents the rule would have opened">
                <thead>
                  <tr>
                    <th className={cx(th, "w-20")}>Severity</th>
                    <th className={th}>Incident</th>
                    <th className={cx(th, "w-16 text-right")}>Alerts</th>
                    <th className={cx(th, "hidden w-64 md:table-cell")}>Events (UTC)</th>
                    <th className={cx(th, "w-28")}>
                      <span className="sr-only">Details</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(r.incidents ?? []).map((w) => (
                    <Fragment key={w.group_key + w.first_event}>
                      <tr className="border-t border-slate-100 dark:border-slate-800" data-testid="backtest-incident">
                        <td className={td}>
                          <SeverityBadge severity={w.severity as Sev} />
                        </td>
                        <td className={td}>
                          {w.title}
                          <p className="font-mono text-[11px] text-muted">{w.group_key}</p>
                        </td>
                        <td className={cx(td, "text-right font-mono text-xs")}>{w.alert_count}</td>
                        <td className={cx(td, "hidden font-mono text-xs md:table-cell")}>
                          {fmtTime(w.first_event)} – {fmtTime(w.last_event)}
                        </td>
                        <td className={cx(td, "text-right")}>
                          <Button size="sm" variant="ghost" aria-expanded={open === w.group_key + w.first_event} onClick={() => setOpen(open === w.group_key + w.first_event ? null : w.group_key + w.first_event)}>
                            Why
                          </Button>
                        </td>
                      </tr>
                      {open === w.group_key + w.first_event && (
                        <tr className="bg-slate-50 dark:bg-slate-900/60">
                          <td colSpan={5} className="px-3 py-2">
                            <ExplanationView e={w.explanation} />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function Decide({ c, onClose }: { c: Candidate; onClose: () => void }) {
  const qc = useQueryClient();
  const [reason, setReason] = useState("");
  const m = useMutation({
    mutationFn: () => correlation.reject(c.id, reason.trim()),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["org"] });
      onClose();
    },
  });
  const err = m.error instanceof ApiError ? m.error.fieldErrors().reason : undefined;
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <Field id="reject-reason" label="Reason (required)" error={err}>
        <Input {...fieldProps("reject-reason", err)} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
      </Field>
      {m.error && !err ? <ProblemAlert error={m.error} /> : null}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" variant="danger" disabled={!reason.trim() || m.isPending}>
          Reject
        </Button>
      </div>
    </form>
  );
}

/** CandidatesPanel lists pending incident candidates to accept (opens the incident) or reject (with a reason). */
export function CandidatesPanel() {
  const qc = useQueryClient();
  const { can } = useSession();
  const q = useQuery({ queryKey: useOrgKey("correlation-candidates"), queryFn: () => correlation.candidates("pending") });
  const [rejecting, setRejecting] = useState<Candidate | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const accept = useMutation({ mutationFn: (c: Candidate) => correlation.accept(c.id), onSuccess: () => void qc.invalidateQueries({ queryKey: ["org"] }) });
  if (q.isPending) return <Spinner label="Loading candidates" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-sm text-muted" data-testid="candidates-empty">No pending candidates. Rules with outcome “propose” leave their groups here for an analyst to accept or reject.</p>;
  return (
    <div className="space-y-2">
      {accept.error ? <ProblemAlert error={accept.error} /> : null}
      {accept.data?.incident_id && (
        <p role="status" className="text-sm">
          Accepted:{" "}
          <Link className="text-sky-700 underline dark:text-sky-400" to={`/incidents/${accept.data.incident_id}`}>
            open the incident
          </Link>
        </p>
      )}
      <ul className="space-y-2" aria-label="Pending candidates">
        {q.data.map((c) => (
          <li key={c.id} className="rounded border border-slate-200 p-2 dark:border-slate-800" data-testid="candidate">
            <div className="flex flex-wrap items-center gap-2">
              {c.severity && <SeverityBadge severity={c.severity as Sev} />}
              <span className="font-medium">{c.title}</span>
              <span className="text-xs text-muted">
                {c.alert_count} alerts · rule <span className="font-mono">{c.rule}</span> v{c.rule_version} · {fmtTime(c.created_at)}
              </span>
              <span className="ml-auto flex gap-1">
                <Button size="sm" variant="ghost" aria-expanded={open === c.id} onClick={() => setOpen(open === c.id ? null : c.id)}>
                  Why
                </Button>
                {can("incidents:manage") && (
                  <>
                    <Button size="sm" variant="primary" disabled={accept.isPending} onClick={() => accept.mutate(c)}>
                      Accept
                    </Button>
                    <Button size="sm" variant="dangerGhost" onClick={() => setRejecting(c)}>
                      Reject…
                    </Button>
                  </>
                )}
              </span>
            </div>
            {open === c.id && (
              <div className="mt-2">
                <ExplanationView e={c.explanation} />
              </div>
            )}
          </li>
        ))}
      </ul>
      <Dialog open={!!rejecting} onOpenChange={(o) => !o && setRejecting(null)} title="Reject candidate" description="The group will not propose again. Say why, for the record.">
        {rejecting && <Decide c={rejecting} onClose={() => setRejecting(null)} />}
      </Dialog>
    </div>
  );
}
