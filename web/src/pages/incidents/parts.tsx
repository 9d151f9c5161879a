// Small pieces shared by the incident pages.
import { useTranslation } from "react-i18next";
import { useEffect, useState } from "react";
import { INCIDENT_STATUS_LABELS, type IncidentSLA, type IncidentStatus, type Priority, type SLAState } from "../../api/types";
import { cx } from "../../lib/format";
import { fmtDuration, slaDue } from "./incidentFilters";

const statusClasses: Record<IncidentStatus, string> = {
  new: "border-sky-500 text-sky-700 dark:text-sky-300",
  acknowledged: "border-violet-500 text-violet-800 dark:text-violet-300",
  investigating: "border-amber-500 text-amber-800 dark:text-amber-300",
  contained: "border-orange-500 text-orange-800 dark:text-orange-300",
  resolved: "border-emerald-600 text-emerald-700 dark:text-emerald-400",
  closed: "border-slate-500 text-slate-600 dark:text-slate-400",
};

export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  return (
    <span className={cx("inline-block rounded border px-1.5 py-px text-[11px] font-medium whitespace-nowrap", statusClasses[status] ?? statusClasses.new)}>
      {INCIDENT_STATUS_LABELS[status] ?? status}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useTranslation();
  return (
    <span className="inline-block rounded bg-slate-200 px-1 py-px font-mono text-[11px] font-semibold text-slate-800 uppercase dark:bg-slate-800 dark:text-slate-200" title={t("incidents:parts.priority")}>
      {priority}
    </span>
  );
}

export const textarea =
  "w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 aria-[invalid=true]:border-red-500";

const slaClasses: Record<SLAState, string> = {
  ok: "border-emerald-600 text-emerald-800 dark:text-emerald-300",
  warning: "border-amber-500 bg-amber-100 text-amber-900 dark:bg-amber-950/50 dark:text-amber-200",
  breached: "border-red-600 bg-red-100 text-red-900 dark:bg-red-950/50 dark:text-red-200",
  paused: "border-slate-500 text-slate-700 dark:text-slate-300",
  met: "border-slate-400 text-slate-600 dark:text-slate-400",
};

/** useNow ticks every 30 s so countdowns move. */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** SlaBadge: the SLA state with a countdown to the next deadline (acknowledge, else resolve). */
export function SlaBadge({ sla }: { sla: IncidentSLA }) {
  const { t } = useTranslation();
  const now = useNow();
  const due = slaDue(sla);
  let text: string = sla.state;
  if (sla.state === "paused") text = `paused · ${due ? fmtDuration(due.remaining) + " left" : ""}`;
  else if (sla.state === "met" || !due) text = "SLA met";
  else if (due.due) {
    const left = (new Date(due.due).getTime() - now) / 1000;
    text = left >= 0 ? `${due.target === "acknowledge" ? "ack" : "resolve"} in ${fmtDuration(left)}` : `${due.target === "acknowledge" ? "ack" : "resolve"} overdue ${fmtDuration(left)}`;
  }
  return (
    <span
      className={cx("inline-block rounded border px-1.5 py-px text-[11px] font-medium whitespace-nowrap", slaClasses[sla.state] ?? slaClasses.ok)}
      title={t("incidents:parts.slaPolicy", { slaState: sla.state, slaPolicy: sla.policy, slaHours: sla.hours, value: due?.due ? t("incidents:parts.dueSuffix", { due: due.due }) : "" })}
      data-testid="sla-badge"
    >
      <span className="sr-only">{t("incidents:parts.sla")}{" "}</span>
      {text}
    </span>
  );
}
