// Incident metrics: MTTA, MTTR and SLA compliance by period, severity,
// type or assignee, and false-positive rates per detection rule and source
// (from dispositions). Shown when the server has the metrics operation.
import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { incidents } from "../../api/endpoints";
import type { FalsePositiveRate, MetricsBucket } from "../../api/types";
import { useOrgKey } from "../../auth/session";
import { PageHeader, ProblemAlert, Section, Select, Spinner, td, th } from "../../components/ui";
import { cx } from "../../lib/format";
import { METRICS_PATH, useHasPath } from "../../lib/capabilities";
import { assigneeName, useAssignees } from "../assignees";
import { fmtDuration } from "./incidentFilters";

const pct = (v?: number) => (v === undefined || v === null ? "—" : `${Math.round(v * 1000) / 10}%`);
const dur = (v?: number) => (v === undefined || v === null ? "—" : fmtDuration(v));

function Buckets({ rows, label }: { rows: MetricsBucket[]; label: (k: string) => string }) {
  const { t } = useTranslation();
  return (
    <div className="overflow-x-auto" data-scroll-x>
      <table className="w-full text-sm" aria-label={t("incidents:metrics.incidentMetrics")}>
        <thead>
          <tr className="border-b border-slate-200 dark:border-slate-800">
            <th className={th}>{t("incidents:metrics.group")}</th>
            <th className={cx(th, "text-right")}>{t("incidents:metrics.incidents")}</th>
            <th className={cx(th, "text-right")}>MTTA</th>
            <th className={cx(th, "text-right")}>MTTR</th>
            <th className={cx(th, "text-right")}>{t("incidents:metrics.slaCompliance")}</th>
            <th className={cx(th, "hidden text-right md:table-cell")}>{t("incidents:metrics.breachedAckResolve")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr key={b.key} className="border-b border-slate-100 dark:border-slate-800/70" data-testid="metrics-row">
              <td className={td}>{label(b.key)}</td>
              <td className={cx(td, "text-right font-mono text-xs")}>{b.incidents}</td>
              <td className={cx(td, "text-right font-mono text-xs")}>{dur(b.mtta_seconds)}</td>
              <td className={cx(td, "text-right font-mono text-xs")}>{dur(b.mttr_seconds)}</td>
              <td className={cx(td, "text-right font-mono text-xs")}>
                {pct(b.sla_compliance)} <span className="text-muted">{t("incidents:metrics.of", { bSla_tracked: b.sla_tracked })}</span>
              </td>
              <td className={cx(td, "hidden text-right font-mono text-xs md:table-cell")}>
                {b.ack_breached} / {b.resolve_breached}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FP({ rows, what }: { rows: FalsePositiveRate[]; what: string }) {
  const { t } = useTranslation();
  if (rows.length === 0) return <p className="text-sm text-muted">{t("incidents:metrics.noClosedIncidentsOrAlerts", { what: what })}</p>;
  return (
    <div className="overflow-x-auto" data-scroll-x>
      <table className="w-full text-sm" aria-label={t("incidents:metrics.falsePositivesBy", { what: what })}>
        <thead>
          <tr className="border-b border-slate-200 dark:border-slate-800">
            <th className={th}>{what}</th>
            <th className={cx(th, "text-right")}>{t("incidents:metrics.incidentsFp")}</th>
            <th className={cx(th, "text-right")}>{t("incidents:metrics.alertsFp")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className="border-b border-slate-100 dark:border-slate-800/70">
              <td className={cx(td, "font-mono text-xs break-all")}>{r.key || "—"}</td>
              <td className={cx(td, "text-right font-mono text-xs")}>
                {pct(r.incident_rate)} <span className="text-muted">({r.false_positive_incidents}/{r.incidents})</span>
              </td>
              <td className={cx(td, "text-right font-mono text-xs")}>
                {pct(r.alert_rate)} <span className="text-muted">({r.alerts_false_positive}/{r.alerts_closed})</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function IncidentMetricsPage() {
  const { t } = useTranslation();
  const has = useHasPath(METRICS_PATH);
  const people = useAssignees();
  const [days, setDays] = useState(30);
  const [groupBy, setGroupBy] = useState("severity");
  const [period, setPeriod] = useState("week");
  const from = new Date(Date.now() - days * 86400_000);
  from.setUTCMinutes(0, 0, 0);
  const q = useQuery({
    queryKey: useOrgKey("incident-metrics", days, groupBy, period),
    queryFn: () => incidents.metrics({ from: from.toISOString(), group_by: groupBy, period: groupBy === "period" ? period : undefined }),
    enabled: has,
  });
  const label = (k: string) => (groupBy === "assignee" ? assigneeName(k, people.data?.items) : groupBy === "type" && k === "" ? "No type" : k);
  return (
    <div>
      <PageHeader title={t("incidents:metrics.incidentMetrics")}>
        <Link to="/incidents" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
          {t("incidents:metrics.incidents2")}
        </Link>
      </PageHeader>
      <div className="space-y-4 p-4">
        <div className="flex flex-wrap gap-2">
          <Select aria-label={t("incidents:metrics.period")} className="w-36" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90, 365].map((d) => (
              <option key={d} value={d}>
                {t("incidents:metrics.lastDays", { d: d })}
              </option>
            ))}
          </Select>
          <Select aria-label={t("incidents:metrics.groupBy")} className="w-40" value={groupBy} onChange={(e) => setGroupBy(e.target.value)}>
            <option value="severity">{t("incidents:metrics.bySeverity")}</option>
            <option value="type">{t("incidents:metrics.byType")}</option>
            <option value="assignee">{t("incidents:metrics.byAssignee")}</option>
            <option value="period">{t("incidents:metrics.byPeriod")}</option>
          </Select>
          {groupBy === "period" && (
            <Select aria-label={t("incidents:metrics.periodLength")} className="w-32" value={period} onChange={(e) => setPeriod(e.target.value)}>
              <option value="day">{t("incidents:metrics.daily")}</option>
              <option value="week">{t("incidents:metrics.weekly")}</option>
            </Select>
          )}
        </div>
        {!has ? (
          <p className="text-muted">{t("incidents:metrics.thisServerDoesNotReport")}</p>
        ) : q.isPending ? (
          <Spinner label={t("incidents:metrics.loadingMetrics")} />
        ) : q.error ? (
          <ProblemAlert error={q.error} />
        ) : (
          <>
            <Section title={t("incidents:metrics.allIncidents", { qDataTimezone: q.data.timezone })}>
              <Buckets rows={[q.data.total]} label={() => "All"} />
            </Section>
            <Section title={t("incidents:metrics.groups")}>{(q.data.groups ?? []).length === 0 ? <p className="text-sm text-muted">{t("incidents:metrics.noIncidentsInThisPeriod")}</p> : <Buckets rows={q.data.groups ?? []} label={label} />}</Section>
            <Section title={t("incidents:metrics.falsePositivesByDetectionRule")}>
              <FP rows={q.data.false_positives.by_rule ?? []} what="rule" />
            </Section>
            <Section title={t("incidents:metrics.falsePositivesBySource")}>
              <FP rows={q.data.false_positives.by_source ?? []} what="source" />
            </Section>
          </>
        )}
      </div>
    </div>
  );
}
