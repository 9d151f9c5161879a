// The incident list: filters in the URL, keyset paging ("Load more"),
// bulk status and assignee changes, keyboard navigation like the alert queue.
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { incidents } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import {
  DISPOSITIONS,
  DISPOSITION_LABELS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  INCIDENT_STATUS_LABELS,
  type Disposition,
  type IncidentChange,
  type IncidentFilters,
  type IncidentStatus,
} from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { Button, Checkbox, Input, PageHeader, ProblemAlert, Select, SeverityBadge, Spinner, td, th } from "../../components/ui";
import { cx, fmtAge } from "../../lib/format";
import { AssigneeSelect } from "../AssigneeSelect";
import { assigneeName, useAssignees } from "../assignees";
import { incidentFiltersFromParams, incidentFiltersToParams, needsDisposition } from "./incidentFilters";
import { invalidateIncident } from "./IncidentDetail";
import { IncidentStatusBadge, PriorityBadge, SlaBadge } from "./parts";
import { METRICS_PATH, SLA_PAUSE_PATH, useHasPath } from "../../lib/capabilities";
import { SLA_STATES } from "./incidentFilters";
import { Time } from "../../components/Time";

function Chips({ label, values, selected, onChange, render }: { label: string; values: string[]; selected: string[]; onChange: (v: string[]) => void; render?: (v: string) => string }) {
  return (
    <div role="group" aria-label={label} className="flex flex-wrap items-center gap-1">
      <span className="mr-1 text-[11px] font-semibold text-muted uppercase">{label}</span>
      {values.map((v) => {
        const on = selected.includes(v);
        return (
          <button
            key={v}
            type="button"
            aria-pressed={on}
            onClick={() => onChange(on ? selected.filter((x) => x !== v) : [...selected, v])}
            className={cx(
              "rounded border px-1.5 py-0.5 text-xs",
              on ? "border-sky-500 bg-sky-600/20 text-sky-700 dark:text-sky-200" : "border-slate-300 text-slate-600 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-400 dark:hover:bg-slate-800",
            )}
          >
            {render ? render(v) : v}
          </button>
        );
      })}
    </div>
  );
}

function FilterBar({ filters, onChange, errors }: { filters: IncidentFilters; onChange: (f: IncidentFilters) => void; errors: Record<string, string> }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const hasSLA = useHasPath(SLA_PAUSE_PATH);
  const [tag, setTag] = useState(filters.tag ?? "");
  useEffect(() => setTag(filters.tag ?? ""), [filters.tag]);
  const invalid = (k: string) => (errors[k] ? { "aria-invalid": true as const, title: errors[k] } : {});
  const active = !!(filters.status?.length || filters.severity?.length || filters.sla?.length || filters.assignee || filters.tag);
  return (
    <form
      aria-label={t("incidents:incidents.incidentFilters")}
      className="space-y-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...filters, tag: tag.trim() || undefined });
      }}
    >
      <div className="flex flex-wrap gap-x-6 gap-y-2">
        <Chips label={t("incidents:incidents.status")} values={INCIDENT_STATUSES} selected={filters.status ?? []} onChange={(v) => onChange({ ...filters, status: v })} render={(v) => INCIDENT_STATUS_LABELS[v as IncidentStatus]} />
        <Chips label={t("incidents:incidents.severity")} values={INCIDENT_SEVERITIES} selected={filters.severity ?? []} onChange={(v) => onChange({ ...filters, severity: v })} />
        {hasSLA && <Chips label="SLA" values={SLA_STATES} selected={filters.sla ?? []} onChange={(v) => onChange({ ...filters, sla: v })} />}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <AssigneeSelect {...invalid("assignee")} mode="filter" aria-label={t("incidents:incidents.filterByAssignee")} className="w-48" value={filters.assignee ?? ""} onChange={(v) => onChange({ ...filters, assignee: v || undefined })} />
        {me.user && (
          <Button size="sm" variant="ghost" aria-pressed={filters.assignee === me.user.id} onClick={() => onChange({ ...filters, assignee: filters.assignee === me.user!.id ? undefined : me.user!.id })}>
            {t("incidents:incidents.mine")}
          </Button>
        )}
        <Input {...invalid("tag")} id="incident-tag" aria-label={t("incidents:incidents.tag")} placeholder={t("incidents:incidents.tag2")} className="w-40" value={tag} onChange={(e) => setTag(e.target.value)} />
        <Button type="submit" size="sm" variant="primary">
          {t("incidents:incidents.apply")}
        </Button>
        <Select
          aria-label={t("incidents:incidents.sortBy")}
          className="w-44"
          value={`${filters.sort ?? "created_at"}:${filters.order ?? "desc"}`}
          onChange={(e) => {
            const [sort, order] = e.target.value.split(":") as [IncidentFilters["sort"], IncidentFilters["order"]];
            onChange({ ...filters, sort: sort === "created_at" ? undefined : sort, order: order === "desc" ? undefined : order });
          }}
        >
          <option value="created_at:desc">{t("incidents:incidents.newestFirst")}</option>
          <option value="created_at:asc">{t("incidents:incidents.oldestFirst")}</option>
          <option value="updated_at:desc">{t("incidents:incidents.recentlyUpdated")}</option>
          <option value="severity:desc">{t("incidents:incidents.highestSeverity")}</option>
        </Select>
        {active && (
          <Button size="sm" variant="ghost" onClick={() => onChange({ sort: filters.sort, order: filters.order })}>
            {t("incidents:incidents.clearAll")}
          </Button>
        )}
      </div>
    </form>
  );
}

/** BulkBar changes the status or the assignee of the selected incidents (one transaction, all or none). */
function BulkBar({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [status, setStatus] = useState<IncidentStatus>("acknowledged");
  const [assignee, setAssignee] = useState("");
  const [disposition, setDisposition] = useState<Disposition>("true_positive");
  const [note, setNote] = useState("");
  const [confirm, setConfirm] = useState<IncidentChange | null>(null);
  const m = useMutation({
    mutationFn: (change: IncidentChange) => incidents.bulkUpdate(ids, change),
    onSuccess: () => {
      setConfirm(null);
      onDone();
      void invalidateIncident(qc);
    },
  });
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-sky-50 px-4 py-1.5 dark:border-slate-800 dark:bg-sky-950/40" role="region" aria-label={t("incidents:incidents.bulkActions")}>
      <span className="text-xs font-medium">{t("incidents:incidents.selected", { idsLength: ids.length })}</span>
      <Select aria-label={t("incidents:incidents.newStatusForSelectedIncidents")} className="w-40" value={status} onChange={(e) => setStatus(e.target.value as IncidentStatus)}>
        {INCIDENT_STATUSES.map((s) => (
          <option key={s} value={s}>
            {INCIDENT_STATUS_LABELS[s]}
          </option>
        ))}
      </Select>
      <Button size="sm" variant="primary" disabled={m.isPending} onClick={() => setConfirm({ status })}>
        {t("incidents:incidents.setStatus")}
      </Button>
      <AssigneeSelect aria-label={t("incidents:incidents.assigneeForSelectedIncidents")} className="w-44" value={assignee} onChange={setAssignee} />
      <Button size="sm" disabled={m.isPending} onClick={() => setConfirm({ assignee })}>
        {t("incidents:incidents.assign")}
      </Button>
      <Button size="sm" variant="ghost" onClick={onDone}>
        {t("incidents:incidents.clearSelection")}
      </Button>
      {m.error && !confirm ? <ProblemAlert error={m.error} className="w-full" /> : null}
      <Dialog
        open={!!confirm}
        onOpenChange={(o) => !o && setConfirm(null)}
        title={t("incidents:incidents.changeIncident", { count: ids.length })}
        description={confirm?.status ? t("incidents:incidents.everySelectedIncidentMovesTo", { value: INCIDENT_STATUS_LABELS[confirm.status] }) : t("incidents:incidents.everySelectedIncidentGetsThis")}
      >
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!confirm) return;
            const change = { ...confirm };
            if (change.status && needsDisposition(change.status)) {
              change.disposition = disposition;
              if (disposition === "other") change.disposition_note = note.trim();
            }
            m.mutate(change);
          }}
        >
          {confirm?.status && needsDisposition(confirm.status) && (
            <>
              <label className="block text-xs font-medium text-slate-600 dark:text-slate-400">
                {t("incidents:incidents.disposition")}
                <Select className="mt-1" value={disposition} onChange={(e) => setDisposition(e.target.value as Disposition)}>
                  {DISPOSITIONS.map((d) => (
                    <option key={d} value={d}>
                      {DISPOSITION_LABELS[d]}
                    </option>
                  ))}
                </Select>
              </label>
              {disposition === "other" && <Input aria-label={t("incidents:incidents.dispositionNote")} placeholder={t("incidents:incidents.dispositionNoteRequired")} value={note} onChange={(e) => setNote(e.target.value)} />}
            </>
          )}
          {m.error ? <ProblemAlert error={m.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setConfirm(null)}>
              {t("incidents:incidents.cancel")}
            </Button>
            <Button type="submit" variant="primary" disabled={m.isPending || (disposition === "other" && !!confirm?.status && needsDisposition(confirm.status) && !note.trim())}>
              {m.isPending ? t("incidents:incidents.saving") : t("incidents:incidents.applyToSelected")}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

const KEYS: [string, string][] = [
  ["j / ↓", "Next incident"],
  ["k / ↑", "Previous incident"],
  ["x", "Select or unselect the current incident"],
  ["Enter / o", "Open the current incident"],
  ["/", "Tag filter"],
  ["?", "This help"],
];

export function IncidentsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => incidentFiltersFromParams(params), [params]);
  const navigate = useNavigate();
  const { can } = useSession();
  const people = useAssignees();
  const q = useInfiniteQuery({
    queryKey: useOrgKey("incidents", incidentFiltersToParams(filters).toString()),
    queryFn: ({ pageParam, signal }) => incidents.list(filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState(0);
  const [help, setHelp] = useState(false);
  const body = useRef<HTMLTableSectionElement>(null);
  const paramText = params.toString();
  useEffect(() => {
    setSelected(new Set());
    setCursor(0);
  }, [paramText]);
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const t = e.target as HTMLElement;
      if (t.closest("input, textarea, select, [contenteditable=true], dialog") || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === "?") {
        e.preventDefault();
        setHelp(true);
        return;
      }
      if (e.key === "/") {
        e.preventDefault();
        document.getElementById("incident-tag")?.focus();
        return;
      }
      if (!rows.length) return;
      const i = Math.min(cursor, rows.length - 1);
      if (e.key === "j" || e.key === "ArrowDown") setCursor(Math.min(i + 1, rows.length - 1));
      else if (e.key === "k" || e.key === "ArrowUp") setCursor(Math.max(i - 1, 0));
      else if (e.key === "x" && rows[i]) toggle(rows[i].id);
      else if ((e.key === "Enter" || e.key === "o") && rows[i] && !t.closest("button, a")) navigate(`/incidents/${rows[i].id}`);
      else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [rows, cursor, navigate]);
  useEffect(() => {
    body.current?.querySelector(`[data-row="${cursor}"]`)?.scrollIntoView({ block: "nearest" });
  }, [cursor]);
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const filtered = !!(filters.status?.length || filters.severity?.length || filters.sla?.length || filters.assignee || filters.tag);
  const hasMetrics = useHasPath(METRICS_PATH);
  return (
    <div className="flex h-full flex-col">
      <PageHeader title={t("incidents:incidents.incidents")}>
        {hasMetrics && (
          <Link to="/incidents/metrics" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
            {t("incidents:incidents.metrics")}
          </Link>
        )}
        <Button size="sm" variant="ghost" onClick={() => void q.refetch()} disabled={q.isFetching}>
          {q.isFetching && !q.isPending ? t("incidents:incidents.refreshing") : t("incidents:incidents.refresh")}
        </Button>
        <Button size="sm" variant="ghost" aria-label={t("incidents:incidents.keyboardShortcuts")} onClick={() => setHelp(true)}>
          ?
        </Button>
      </PageHeader>
      <Dialog open={help} onOpenChange={setHelp} title={t("incidents:incidents.keyboardShortcuts")} description={t("incidents:incidents.keysWorkWhenNoText")}>
        <KeyTable keys={KEYS} />
        <div className="mt-3 text-right">
          <Button size="sm" onClick={() => setHelp(false)}>
            {t("incidents:incidents.close")}
          </Button>
        </div>
      </Dialog>
      <FilterBar filters={filters} onChange={(f) => setParams(incidentFiltersToParams(f))} errors={q.error instanceof ApiError ? q.error.fieldErrors() : {}} />
      {selected.size > 0 && can("incidents:manage") && <BulkBar ids={[...selected]} onDone={() => setSelected(new Set())} />}
      <div className="min-h-0 flex-1 overflow-auto">
        {q.error ? (
          <ProblemAlert error={q.error} className="m-4" />
        ) : q.isPending ? (
          <div className="p-4">
            <Spinner label={t("incidents:incidents.loadingIncidents")} />
          </div>
        ) : rows.length === 0 ? (
          <p className="p-6 text-center text-muted" data-testid="incidents-empty">
            {filtered ? t("incidents:incidents.noIncidentsMatchTheseFilters") : t("incidents:incidents.noIncidentsYetEscalateAlerts")}
          </p>
        ) : (
          <table className="w-full border-collapse text-sm" aria-label={t("incidents:incidents.incidents")}>
            <thead className="sticky top-0 z-10 bg-slate-50 dark:bg-slate-900">
              <tr className="border-b border-slate-200 dark:border-slate-800">
                <th className={cx(th, "w-8")}>
                  <Checkbox label={t("incidents:incidents.selectAllLoadedIncidents")} checked={allSelected ? true : selected.size > 0 ? "indeterminate" : false} onCheckedChange={(v) => setSelected(v ? new Set(rows.map((r) => r.id)) : new Set())} />
                </th>
                <th className={cx(th, "w-20")}>{t("incidents:incidents.severity")}</th>
                <th className={th}>{t("incidents:incidents.title")}</th>
                <th className={cx(th, "w-32")}>{t("incidents:incidents.statusSla")}</th>
                <th className={cx(th, "hidden w-36 lg:table-cell")}>{t("incidents:incidents.assignee")}</th>
                <th className={cx(th, "hidden w-16 text-right lg:table-cell")}>{t("incidents:incidents.alerts")}</th>
                <th className={cx(th, "hidden w-36 lg:table-cell")}>{t("incidents:incidents.createdUtc")}</th>
              </tr>
            </thead>
            <tbody ref={body}>
              {rows.map((r, i) => (
                <tr
                  key={r.id}
                  data-row={i}
                  data-testid="incident-row"
                  aria-selected={selected.has(r.id)}
                  onClick={() => setCursor(i)}
                  className={cx(
                    "border-b border-slate-100 dark:border-slate-800/70",
                    i === cursor ? "bg-slate-100 outline outline-1 -outline-offset-1 outline-sky-600/60 dark:bg-slate-800/60" : "hover:bg-slate-50 dark:hover:bg-slate-900",
                  )}
                >
                  <td className={td}>
                    <Checkbox label={t("incidents:incidents.select", { rTitle: r.title })} checked={selected.has(r.id)} onCheckedChange={() => toggle(r.id)} />
                  </td>
                  <td className={td}>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td className={cx(td, "max-w-0")}>
                    <Link to={`/incidents/${r.id}`} data-testid="incident-title" className="block truncate font-medium text-slate-900 hover:text-sky-600 hover:underline dark:text-slate-100 dark:hover:text-sky-300">
                      {r.title}
                    </Link>
                    <div className="mt-0.5 flex flex-wrap items-center gap-1 text-[11px] text-muted">
                      <PriorityBadge priority={r.priority} />
                      {r.type && <span>{r.type}</span>}
                      {(r.tags ?? []).slice(0, 3).map((t) => (
                        <Link key={t} to={`/incidents?${incidentFiltersToParams({ ...filters, tag: t }).toString()}`} className="rounded bg-slate-200 px-1.5 py-px font-mono text-slate-700 hover:underline dark:bg-slate-800 dark:text-slate-300">
                          {t}
                        </Link>
                      ))}
                      <span className="lg:hidden">
                        {t("incidents:incidents.alertCreatedAgo", { count: r.alert_count, age: fmtAge(r.created_at) })}
                      </span>
                      <span>{t("incidents:incidents.updatedAgo", { value: fmtAge(r.updated_at) })}</span>
                    </div>
                  </td>
                  <td className={td}>
                    <IncidentStatusBadge status={r.status} />
                    {r.sla && (
                      <div className="mt-0.5">
                        <SlaBadge sla={r.sla} />
                      </div>
                    )}
                  </td>
                  <td className={cx(td, "hidden max-w-36 truncate text-xs lg:table-cell", !r.assignee && "text-muted")} data-testid="incident-assignee">
                    {assigneeName(r.assignee, people.data?.items)}
                  </td>
                  <td className={cx(td, "hidden text-right font-mono text-xs lg:table-cell")}>{r.alert_count}</td>
                  <td className={cx(td, "hidden font-mono text-xs whitespace-nowrap lg:table-cell")} title={r.created_at}>
                    <Time iso={r.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {rows.length > 0 && (
          <div className="flex items-center justify-between px-4 py-3 text-xs text-muted">
            <span>
              {rows.length}{" "}{t("incidents:incidents.loaded")}{" "}<kbd>j</kbd>/<kbd>k</kbd>{" "}{t("incidents:incidents.move")}{" "}<kbd>x</kbd>{" "}{t("incidents:incidents.select2")}{" "}<kbd>{t("incidents:incidents.enter")}</kbd>{" "}{t("incidents:incidents.open")}{" "}<kbd>?</kbd>{" "}{t("incidents:incidents.allKeys")}
            </span>
            {q.hasNextPage ? (
              <Button size="sm" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
                {q.isFetchingNextPage ? t("incidents:incidents.loading") : t("incidents:incidents.loadMore")}
              </Button>
            ) : (
              <span>{t("incidents:incidents.endOfResults")}</span>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

export function KeyTable({ keys }: { keys: [string, string][] }) {
  return (
    <table className="w-full text-sm" data-testid="key-help">
      <tbody>
        {keys.map(([k, what]) => (
          <tr key={k} className="border-t border-slate-100 dark:border-slate-800">
            <td className="py-1 pr-4 font-mono text-xs whitespace-nowrap">
              <kbd>{k}</kbd>
            </td>
            <td className="py-1">{what}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
