// Small pieces shared by the incident pages.
import { INCIDENT_STATUS_LABELS, type IncidentStatus, type Priority } from "../../api/types";
import { cx } from "../../lib/format";

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
  return (
    <span className="inline-block rounded bg-slate-200 px-1 py-px font-mono text-[11px] font-semibold text-slate-800 uppercase dark:bg-slate-800 dark:text-slate-200" title="Priority">
      {priority}
    </span>
  );
}

export const textarea =
  "w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 aria-[invalid=true]:border-red-500";
