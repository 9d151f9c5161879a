import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { alertMatching, alerts, fromSavedQuery, type RestoreItem } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { SEVERITIES, SINCE, STATUSES, severityOf, type Alert, type AlertFilters, type AlertStatus } from "../api/types";
import { useOrgKey, useSession } from "../auth/session";
import { Button, Checkbox, Input, PageHeader, ProblemAlert, Select, SeverityBadge, Spinner, StatusBadge, td, th } from "../components/ui";
import { cx, fmtAge, formatPrefs, isoToLocal, localToISO } from "../lib/format";
import { activeFilterCount, filtersFromParams, filtersToParams, normalizeTechnique } from "./alertFilters";
import { Dialog } from "../components/Dialog";
import { loadView, saveView } from "./selection";
import { AssigneeSelect } from "./AssigneeSelect";
import { assigneeName, useAssignees } from "./assignees";
import { EscalateDialog } from "./incidents/dialogs";
import { Time } from "../components/Time";
import { BulkDialog, type BulkKind } from "./BulkActions";
import { undoItems, type BulkTarget } from "./bulk";
import { entityPath } from "../api/entities";
import { useLiveQueue } from "./liveQueue";


function Chips({ label, values, selected, onChange, render }: {
  label: string;
  values: string[];
  selected: string[];
  onChange: (v: string[]) => void;
  render?: (v: string) => string;
}) {
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

/** Query parameter names of the list API → the UI filter field they belong to. */
const PARAM_FIELD: Record<string, keyof AlertFilters> = { source_type: "source" };

function FilterBar({ filters, onChange, errors }: { filters: AlertFilters; onChange: (f: AlertFilters) => void; errors: Record<string, string> }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [draft, setDraft] = useState(filters);
  const [more, setMore] = useState(() => !!(filters.source || filters.entity || filters.technique || filters.assignee || filters.tag || filters.from || filters.to));
  const apply = (f: AlertFilters) => onChange({ ...f, technique: normalizeTechnique(f.technique) });
  useEffect(() => setDraft(filters), [filters]);
  const err = (k: keyof AlertFilters) => {
    const param = Object.keys(PARAM_FIELD).find((p) => PARAM_FIELD[p] === k);
    const msg = errors[k] ?? (param ? errors[param] : undefined);
    return msg ? { "aria-invalid": true as const, title: msg } : {};
  };
  useEffect(() => {
    if (["source_type", "entity", "technique", "assignee", "tag", "from", "to"].some((k) => errors[k])) setMore(true);
  }, [errors]);
  const set = (k: keyof AlertFilters, v: string) => setDraft((d) => ({ ...d, [k]: v || undefined }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  return (
    <form onSubmit={submit} className="space-y-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800" aria-label={t("alerts:list.alertFilters")}>
      <div className="flex flex-wrap items-center gap-2">
        <Input
          {...err("q")}
          id="alert-search"
          aria-label={t("alerts:list.searchAlerts")}
          placeholder={t("alerts:list.searchTitleDescriptionEntities")}
          className="max-w-md"
          value={draft.q ?? ""}
          onChange={(e) => set("q", e.target.value)}
        />
        <Button type="submit" variant="primary">
          {t("alerts:list.apply")}
        </Button>
        <Button variant="ghost" onClick={() => setMore((m) => !m)} aria-expanded={more}>
          {more ? t("alerts:list.fewerFilters") : t("alerts:list.moreFilters")}
        </Button>
        <Select
          aria-label={t("alerts:list.sortBy")}
          className="w-44"
          value={`${filters.sort ?? "received_time"}:${filters.order ?? "desc"}`}
          onChange={(e) => {
            const [sort, order] = e.target.value.split(":") as [AlertFilters["sort"], AlertFilters["order"]];
            onChange({ ...filters, ...draftText(draft), sort: sort === "received_time" ? undefined : sort, order: order === "desc" ? undefined : order });
          }}
        >
          <option value="received_time:desc">{t("alerts:list.newestReceived")}</option>
          <option value="received_time:asc">{t("alerts:list.oldestReceived")}</option>
          <option value="event_time:desc">{t("alerts:list.newestEventTime")}</option>
          <option value="severity:desc">{t("alerts:list.highestSeverity")}</option>
          <option value="severity:asc">{t("alerts:list.lowestSeverity")}</option>
        </Select>
        {activeFilterCount(filters) > 0 && (
          <Button variant="ghost" onClick={() => onChange({ sort: filters.sort, order: filters.order })}>
            {t("alerts:list.clearAll")}
          </Button>
        )}
      </div>
      <div className="flex flex-wrap gap-x-6 gap-y-2">
        <Chips label={t("alerts:list.severity")} values={SEVERITIES} selected={filters.severity ?? []} onChange={(v) => onChange({ ...filters, ...draftText(draft), severity: v })} render={(v) => t(`common:severity.${v}`)} />
        <Chips
          label={t("alerts:list.status")}
          values={STATUSES}
          selected={filters.status ?? []}
          onChange={(v) => onChange({ ...filters, ...draftText(draft), status: v })}
          render={(v) => t(`common:status.${v}`)}
        />
        <Chips
          label={t("alerts:list.assignee")}
          values={me.user ? [me.user.id, "none"] : ["none"]}
          selected={filters.assignee ? [filters.assignee] : []}
          onChange={(v) => onChange({ ...filters, ...draftText(draft), assignee: v.filter((x) => x !== filters.assignee)[0] })}
          render={(v) => (v === "none" ? t("alerts:list.unassigned") : t("alerts:list.mine"))}
        />
        <div role="group" aria-label={t("alerts:list.eventTime")} className="flex flex-wrap items-center gap-1">
          <span className="mr-1 text-[11px] font-semibold text-muted uppercase">{t("alerts:list.eventTime")}</span>
          {SINCE.map((v) => {
            const on = filters.since === v;
            return (
              <button
                key={v}
                type="button"
                aria-pressed={on}
                aria-label={t("alerts:list.last", { v: v })}
                onClick={() => onChange({ ...filters, ...draftText(draft), since: on ? undefined : v, from: undefined, to: undefined })}
                className={cx(
                  "rounded border px-1.5 py-0.5 text-xs",
                  on ? "border-sky-500 bg-sky-600/20 text-sky-700 dark:text-sky-200" : "border-slate-300 text-slate-600 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-400 dark:hover:bg-slate-800",
                )}
              >
                {v}
              </button>
            );
          })}
        </div>
      </div>
      {more && (
        <div className="grid grid-cols-2 gap-2 md:grid-cols-3 xl:grid-cols-5">
          <Input {...err("source")} aria-label={t("alerts:list.sourceTypes")} placeholder={t("alerts:list.sourceTypesSuricataCef")} value={draft.source ?? ""} onChange={(e) => set("source", e.target.value)} />
          <Input {...err("entity")} aria-label={t("alerts:list.entity")} placeholder={t("alerts:list.entityTypeValueIp10")} value={draft.entity ?? ""} onChange={(e) => set("entity", e.target.value)} />
          <Input {...err("technique")} aria-label={t("alerts:list.attCkTechnique")} placeholder={t("alerts:list.techniqueT1059")} value={draft.technique ?? ""} onChange={(e) => set("technique", e.target.value)} />
          <AssigneeSelect
            {...err("assignee")}
            mode="filter"
            aria-label={t("alerts:list.filterByAssignee")}
            value={filters.assignee ?? ""}
            onChange={(v) => apply({ ...filters, ...draftText(draft), assignee: v || undefined })}
          />
          <Input {...err("tag")} aria-label={t("alerts:list.tag")} placeholder={t("alerts:list.tag")} value={draft.tag ?? ""} onChange={(e) => set("tag", e.target.value)} />
        </div>
      )}
      {more && (
        <div className="flex flex-wrap items-center gap-2 text-xs">
          <label className="flex items-center gap-1">
            <span className="text-muted">{t("alerts:list.eventTimeFrom")}</span>
            <Input {...err("from")} className="w-52" type="datetime-local" value={isoToLocal(draft.from)} onChange={(e) => setDraft((d) => ({ ...d, from: localToISO(e.target.value), since: undefined }))} />
          </label>
          <label className="flex items-center gap-1">
            <span className="text-muted">{t("alerts:list.to")}</span>
            <Input {...err("to")} className="w-52" type="datetime-local" value={isoToLocal(draft.to)} onChange={(e) => setDraft((d) => ({ ...d, to: localToISO(e.target.value), since: undefined }))} />
          </label>
          <span className="text-muted">{t("alerts:list.yourLocalTime", { zone: formatPrefs().timeZone })}</span>
        </div>
      )}
    </form>
  );
}

function draftText(d: AlertFilters): AlertFilters {
  const { q, source, entity, technique, assignee, tag, from, to, since, sort, order } = d;
  return { q, source, entity, technique: normalizeTechnique(technique), assignee, tag, from, to, since, sort, order };
}

function SavedFilters({ filters, onPick }: { filters: AlertFilters; onPick: (f: AlertFilters) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const key = useOrgKey("saved-filters");
  const list = useQuery({ queryKey: key, queryFn: alerts.savedFilters, retry: false });
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const save = useMutation({
    mutationFn: () => alerts.saveFilter(name.trim(), filters),
    onSuccess: () => {
      setNaming(false);
      setName("");
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  if (list.error instanceof ApiError && (list.error.status === 404 || list.error.status === 405)) return null;
  const nameErr = save.error instanceof ApiError ? save.error.fieldErrors().name : undefined;
  return (
    <div className="flex items-center gap-2">
      <Select
        aria-label={t("alerts:list.savedFilters")}
        className="w-44"
        value=""
        onChange={(e) => {
          const f = list.data?.find((s) => s.id === e.target.value);
          if (f) onPick(fromSavedQuery(f.query));
        }}
      >
        <option value="">{list.isPending ? t("alerts:list.loading") : t("alerts:list.savedFilters2", { value: list.data?.length ?? 0 })}</option>
        {list.data?.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </Select>
      {naming ? (
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Input aria-label={t("alerts:list.filterName")} aria-invalid={nameErr ? true : undefined} title={nameErr} autoFocus className="w-40" value={name} onChange={(e) => setName(e.target.value)} placeholder={t("alerts:list.name")} />
          <Button type="submit" size="sm" variant="primary" disabled={!name.trim() || save.isPending}>
            {t("alerts:list.save")}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setNaming(false)}>
            {t("alerts:list.cancel")}
          </Button>
          {save.error ? <span role="alert" className="text-xs text-red-700 dark:text-red-400">{nameErr ?? (save.error as Error).message}</span> : null}
        </form>
      ) : (
        <Button size="sm" variant="ghost" onClick={() => setNaming(true)} disabled={activeFilterCount(filters) === 0}>
          {t("alerts:list.saveFilter")}
        </Button>
      )}
    </div>
  );
}

export function AlertsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { can, me } = useSession();
  const people = useAssignees();
  const key = useOrgKey("alerts", filtersToParams(filters).toString());
  const [escalate, setEscalate] = useState<string[] | null>(null);
  // The last bulk result, with what undoes it (empty undo: nothing to undo).
  const [flash, setFlash] = useState<{ text: string; undo: RestoreItem[] } | null>(null);
  const [bulkKind, setBulkKind] = useState<BulkKind | null>(null);
  // "Select all matching": the selection stands for every alert the filter
  // matches (changed server side), for the list key it was chosen on.
  const [matchingKey, setMatchingKey] = useState<string | null>(null);
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }) => alerts.list(filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor,
    // Arrivals come in through the live bar, never by a refetch on focus.
    refetchOnWindowFocus: false,
  });
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  // Selection and cursor are kept per org and filter, so opening an alert
  // and coming back (or a reload) finds them as they were.
  const keyText = key.join("|");
  const [view, setView] = useState(() => ({ key: keyText, ...loadView(keyText) }));
  if (view.key !== keyText) setView({ key: keyText, ...loadView(keyText) });
  const selected = useMemo(() => new Set(view.selected), [view.selected]);
  const cursor = view.cursor;
  const setSelected = (next: Set<string> | ((s: Set<string>) => Set<string>)) =>
    setView((v) => ({ ...v, selected: [...(typeof next === "function" ? next(new Set(v.selected)) : next)] }));
  const setCursor = (c: number) => setView((v) => ({ ...v, cursor: c }));
  useEffect(() => saveView(view.key, { selected: view.selected, cursor: view.cursor }), [view]);
  const [bulkStatus, setBulkStatus] = useState<AlertStatus>("triaged");
  const [help, setHelp] = useState(false);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const live = useLiveQueue({ filters, queryKey: key, rows, enabled: q.isSuccess });
  const cursorId = useRef<string | undefined>(undefined);
  cursorId.current = rows[Math.min(cursor, rows.length - 1)]?.id;
  const pendingCursor = useRef<string | undefined>(undefined);
  // After "show", the cursor stays on the alert it was on.
  useEffect(() => {
    const id = pendingCursor.current;
    if (!id) return;
    const i = rows.findIndex((r) => r.id === id);
    if (i >= 0) {
      pendingCursor.current = undefined;
      setView((v) => (v.cursor === i ? v : { ...v, cursor: i }));
    }
  }, [rows]);
  const showArrivals = async () => {
    pendingCursor.current = cursorId.current;
    await live.show();
    scrollRef.current?.scrollTo({ top: 0 });
  };

  const bulk = useMutation({
    mutationFn: () => alerts.bulkUpdate([...selected], { status: bulkStatus }),
    onSuccess: () => {
      setSelected(new Set());
      void qc.invalidateQueries({ queryKey: ["org"] });
    },
  });
  // a: assign the selection (or the current alert) to me.
  const assignMe = useMutation({
    mutationFn: (ids: string[]) => alerts.bulkUpdate(ids, { assignee: me.user?.id ?? "" }),
    onSuccess: (r) => {
      setFlash({ text: t("alerts:list.assignedToYou", { count: r.updated }), undo: undoItems({ kind: "assign", assignee: me.user?.id ?? "" }, r.previous ?? []) });
      void qc.invalidateQueries({ queryKey: ["org"] });
    },
  });
  const restore = useMutation({
    mutationFn: (items: RestoreItem[]) => alerts.restore(items),
    onSuccess: (r) => {
      setFlash({ text: t("triage:undone", { count: r.restored }), undo: [] });
      void qc.invalidateQueries({ queryKey: ["org"] });
    },
  });

  const setFilters = (f: AlertFilters) => setParams(filtersToParams(f));
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  // Keyboard: j/k move, x select, Enter/o open, / search, ? help.
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const t = e.target as HTMLElement;
      if (t.closest("input, textarea, select, [contenteditable=true], [role=dialog]") || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === "?") {
        e.preventDefault();
        setHelp(true);
        return;
      }
      if (e.key === "/") {
        e.preventDefault();
        document.getElementById("alert-search")?.focus();
        return;
      }
      if (!rows.length) return;
      const i = Math.min(cursor, rows.length - 1);
      if (e.key === "j" || e.key === "ArrowDown") setCursor(Math.min(i + 1, rows.length - 1));
      else if (e.key === "k" || e.key === "ArrowUp") setCursor(Math.max(i - 1, 0));
      else if (e.key === "x" && rows[i]) toggle(rows[i].id);
      else if ((e.key === "Enter" || e.key === "o") && rows[i] && !t.closest("button, a")) navigate(`/alerts/${rows[i].id}`);
      else if (e.key === "e" && rows[i] && can("incidents:manage")) setEscalate(selected.size ? [...selected] : [rows[i].id]);
      else if ((e.key === "A" || e.key === "t") && rows[i] && can("alerts:write")) {
        if (!selected.size) setSelected(new Set([rows[i].id]));
        setBulkKind(e.key === "A" ? "assign" : "tag");
      }
      else if (e.key === "a" && rows[i] && me.user && can("alerts:write")) assignMe.mutate(selected.size ? [...selected] : [rows[i].id]);
      else if (e.key === "s" && rows[i] && can("alerts:write")) {
        if (!selected.size) setSelected(new Set([rows[i].id]));
        requestAnimationFrame(() => document.getElementById("bulk-status")?.focus());
      } else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [rows, cursor, navigate, selected, can, me.user, assignMe]);

  useEffect(() => {
    tableRef.current?.querySelector(`[data-row="${cursor}"]`)?.scrollIntoView({ block: "nearest" });
  }, [cursor]);

  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const someSelected = selected.size > 0 && !allSelected;
  const offerMatching = allSelected && !!q.hasNextPage && can("alerts:write");
  const matchCount = useQuery({
    queryKey: useOrgKey("alerts-matching", filtersToParams(filters).toString()),
    queryFn: () => alertMatching.count(filters),
    enabled: offerMatching,
    staleTime: 10_000,
  });
  const matching = offerMatching && matchingKey === keyText && !!matchCount.data && !matchCount.data.capped;
  const target: BulkTarget = matching && matchCount.data ? { kind: "matching", filters, count: matchCount.data.count } : { kind: "ids", ids: [...selected] };
  const clearSelection = () => {
    setSelected(new Set());
    setMatchingKey(null);
  };

  return (
    <div className="flex h-full flex-col">
      <PageHeader title={t("alerts:list.alerts")}>
        <Button size="sm" variant="ghost" onClick={() => void q.refetch()} disabled={q.isFetching}>
          {q.isFetching && !q.isPending ? t("alerts:list.refreshing") : t("alerts:list.refresh")}
        </Button>
        <span className="text-[11px] text-muted" data-testid="queue-live" title={t("triage:liveTitle")}>
          {live.state.status === "live" ? t("triage:live") : live.state.status === "stopped" ? t("triage:liveOff") : t("triage:connecting")}
        </span>
        <SavedFilters filters={filters} onPick={setFilters} />
        <Button size="sm" variant="ghost" aria-label={t("alerts:list.keyboardShortcuts")} onClick={() => setHelp(true)}>
          ?
        </Button>
      </PageHeader>
      <KeyHelp open={help} onOpenChange={setHelp} />
      <BulkDialog
        kind={bulkKind}
        target={target}
        status={bulkStatus}
        onClose={() => setBulkKind(null)}
        onDone={(d) => {
          setBulkKind(null);
          clearSelection();
          setFlash(d);
          restore.reset();
          void qc.invalidateQueries({ queryKey: ["org"] });
        }}
      />
      <EscalateDialog
        open={!!escalate}
        onOpenChange={(o) => !o && setEscalate(null)}
        alertIds={escalate ?? []}
        defaultTitle={rows.find((r) => r.id === escalate?.[0])?.title}
        onDone={() => setSelected(new Set())}
      />
      {(flash || assignMe.error || restore.error) && (
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-1 text-xs dark:border-slate-800" data-testid="bulk-result">
          {assignMe.error ? <ProblemAlert error={assignMe.error} className="flex-1" /> : restore.error ? <ProblemAlert error={restore.error} className="flex-1" /> : <p role="status">{flash?.text}</p>}
          {flash && flash.undo.length > 0 && !restore.error && (
            <Button size="sm" disabled={restore.isPending} onClick={() => restore.mutate(flash.undo)}>
              {restore.isPending ? t("triage:undoing") : t("triage:undo", { count: flash.undo.length })}
            </Button>
          )}
          <Button size="sm" variant="ghost" onClick={() => (setFlash(null), assignMe.reset(), restore.reset())}>
            {t("alerts:list.dismiss")}
          </Button>
        </div>
      )}
      <FilterBar filters={filters} onChange={setFilters} errors={q.error instanceof ApiError ? q.error.fieldErrors() : {}} />
      {selected.size > 0 && can("alerts:write") && (
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-sky-50 px-4 py-1.5 dark:border-slate-800 dark:bg-sky-950/40" role="region" aria-label={t("alerts:list.bulkActions")}>
          <span className="text-xs font-medium" data-testid="selection-count">
            {matching ? t("triage:allMatchingSelected", { count: target.kind === "matching" ? target.count : 0 }) : t("alerts:list.selected", { selectedSize: selected.size })}
          </span>
          <Select id="bulk-status" aria-label={t("alerts:list.newStatusForSelectedAlerts")} className="w-40" value={bulkStatus} onChange={(e) => setBulkStatus(e.target.value as AlertStatus)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`common:status.${s}`)}
              </option>
            ))}
          </Select>
          <Button size="sm" variant="primary" disabled={bulk.isPending} onClick={() => (matching ? setBulkKind("status") : bulk.mutate())}>
            {matching ? t("triage:setStatusDialog") : t("alerts:list.setStatus")}
          </Button>
          {me.user && !matching && (
            <Button size="sm" disabled={assignMe.isPending} onClick={() => assignMe.mutate([...selected])}>
              {t("alerts:list.assignToMe")}
            </Button>
          )}
          <Button size="sm" onClick={() => setBulkKind("assign")} aria-keyshortcuts="Shift+A">
            {t("triage:assignDialog")}
          </Button>
          <Button size="sm" onClick={() => setBulkKind("tag")} aria-keyshortcuts="t">
            {t("triage:tagDialog")}
          </Button>
          {can("incidents:manage") && !matching && (
            <Button size="sm" onClick={() => setEscalate([...selected])}>
              {t("alerts:list.escalate")}
            </Button>
          )}
          <Button size="sm" variant="ghost" onClick={clearSelection}>
            {t("alerts:list.clearSelection")}
          </Button>
          {offerMatching && !matching && (
            <div className="w-full text-xs" data-testid="select-matching">
              {t("triage:loadedSelected", { count: rows.length })}{" "}
              {matchCount.isPending ? (
                <span className="text-muted">{t("triage:counting")}</span>
              ) : matchCount.error ? (
                <ProblemAlert error={matchCount.error} />
              ) : matchCount.data?.capped ? (
                <span>{t("triage:tooMany", { max: matchCount.data.max })}</span>
              ) : matchCount.data ? (
                <Button size="sm" variant="ghost" className="underline" onClick={() => setMatchingKey(keyText)}>
                  {t("triage:selectAllMatching", { count: matchCount.data.count })}
                </Button>
              ) : null}
            </div>
          )}
          {matching && (
            <p className="w-full text-xs" data-testid="matching-note">
              {t("triage:matchingNote", { count: target.kind === "matching" ? target.count : 0, max: matchCount.data?.max ?? 0 })}{" "}
              <Button size="sm" variant="ghost" className="underline" onClick={() => setMatchingKey(null)}>
                {t("triage:onlyLoaded", { count: rows.length })}
              </Button>
            </p>
          )}
          {bulk.error ? <ProblemAlert error={bulk.error} className="w-full" /> : null}
        </div>
      )}
      <div className="relative min-h-0 flex-1 overflow-auto" ref={scrollRef}>
        {live.fresh.length > 0 && (
          <div className="pointer-events-none sticky top-9 z-20 flex h-0 items-start justify-center" data-testid="new-alerts">
            <div className="pointer-events-auto mt-1 flex items-center gap-2 rounded-full border border-sky-300 bg-white px-3 py-1 text-xs shadow dark:border-sky-700 dark:bg-slate-900">
              <span role="status">
                {live.more ? t("triage:newAlertsMore", { count: live.fresh.length }) : t("triage:newAlerts", { count: live.fresh.length })}
              </span>
              <Button size="sm" variant="primary" onClick={() => void showArrivals()}>
                {t("triage:show")}
              </Button>
            </div>
          </div>
        )}
        {q.error ? (
          <ProblemAlert error={q.error} className="m-4" />
        ) : q.isPending ? (
          <div className="p-4">
            <Spinner label={t("alerts:list.loadingAlerts")} />
          </div>
        ) : rows.length === 0 ? (
          <p className="p-6 text-center text-muted">{activeFilterCount(filters) ? t("alerts:list.noAlertsMatchTheseFilters") : t("alerts:list.noAlertsYet")}</p>
        ) : (
          <table className="w-full border-collapse text-sm" aria-label={t("alerts:list.alerts")}>
            <thead className="sticky top-0 z-10 bg-slate-50 dark:bg-slate-900">
              <tr className="border-b border-slate-200 dark:border-slate-800">
                <th className={cx(th, "w-8")}>
                  <Checkbox
                    label={t("alerts:list.selectAllLoadedAlerts")}
                    checked={allSelected ? true : someSelected ? "indeterminate" : false}
                    onCheckedChange={(v) => (v ? setSelected(new Set(rows.map((r) => r.id))) : clearSelection())}
                  />
                </th>
                <th className={cx(th, "w-20")}>{t("alerts:list.severity")}</th>
                <th className={th}>{t("alerts:list.titleEntities")}</th>
                <th className={cx(th, "w-28")}>{t("alerts:list.status")}</th>
                <th className={cx(th, "hidden w-32 lg:table-cell")}>{t("alerts:list.assignee")}</th>
                <th className={cx(th, "hidden w-24 lg:table-cell")}>{t("alerts:list.source")}</th>
                <th className={cx(th, "hidden w-28 2xl:table-cell")}>{t("alerts:list.attAmpCk")}</th>
                <th className={cx(th, "w-28 md:w-36")}>{t("alerts:list.eventTimeUtc")}</th>
              </tr>
            </thead>
            <tbody ref={tableRef}>
              {rows.map((a, i) => (
                <tr
                  key={a.id}
                  data-row={i}
                  data-testid="alert-row"
                  aria-selected={selected.has(a.id)}
                  onClick={() => setCursor(i)}
                  className={cx(
                    "border-b border-slate-100 dark:border-slate-800/70",
                    i === cursor ? "bg-slate-100 outline outline-1 -outline-offset-1 outline-sky-600/60 dark:bg-slate-800/60" : "hover:bg-slate-50 dark:hover:bg-slate-900",
                  )}
                >
                  <td className={td}>
                    <Checkbox label={t("alerts:list.select", { aTitle: a.title })} checked={selected.has(a.id)} onCheckedChange={() => toggle(a.id)} />
                  </td>
                  <td className={td}>
                    <SeverityBadge severity={severityOf(a)} />
                  </td>
                  <td className={cx(td, "max-w-0")}>
                    <Link to={`/alerts/${a.id}`} data-testid="alert-title" className="block truncate font-medium text-slate-900 hover:text-sky-600 hover:underline dark:text-slate-100 dark:hover:text-sky-300">
                      {a.title}
                    </Link>
                    <EntityChips a={a} filters={filters} />
                    {(a.count ?? 1) > 1 && <span className="text-[11px] text-muted">{t("alerts:list.lastSeenAgo", { aCount: a.count, value: fmtAge(a.last_seen) })}</span>}
                  </td>
                  <td className={td}>
                    <StatusBadge status={a.status} />
                  </td>
                  <td className={cx(td, "hidden max-w-32 truncate text-xs lg:table-cell", !a.assignee && "text-muted")} data-testid="alert-assignee">
                    {a.assignee ? (
                      assigneeName(a.assignee, people.data?.items)
                    ) : (
                      <>
                        <span aria-hidden="true">—</span>
                        <span className="sr-only">{t("alerts:list.unassigned")}</span>
                      </>
                    )}
                  </td>
                  <td className={cx(td, "hidden truncate font-mono text-xs lg:table-cell")}>{a.source?.type}</td>
                  <td className={cx(td, "hidden font-mono text-xs 2xl:table-cell")}>{(a.techniques ?? []).join(", ")}</td>
                  <td className={cx(td, "font-mono text-xs whitespace-nowrap")} title={a.event_time}>
                    <Time iso={a.event_time} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {rows.length > 0 && (
          <div className="flex items-center justify-between px-4 py-3 text-xs text-muted">
            <span>
              {rows.length}{" "}{t("alerts:list.loaded")}{" "}<kbd>j</kbd>/<kbd>k</kbd>{" "}{t("alerts:list.move")}{" "}<kbd>x</kbd>{" "}{t("alerts:list.select2")}{" "}<kbd>{t("alerts:list.enter")}</kbd>{" "}{t("alerts:list.open")}{" "}<kbd>e</kbd>{" "}{t("alerts:list.escalate2")}{" "}<kbd>a</kbd>{" "}{t("alerts:list.assignToMe2")}{" "}<kbd>A</kbd>{" "}{t("triage:keyAssignShort")}{" "}<kbd>t</kbd>{" "}{t("triage:keyTagShort")}{" "}<kbd>s</kbd>{" "}{t("triage:keyStatusShort")}{" "}<kbd>/</kbd>{" "}{t("alerts:list.search")}{" "}<kbd>?</kbd>{" "}{t("alerts:list.allKeys")}
            </span>
            {q.hasNextPage ? (
              <Button size="sm" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
                {q.isFetchingNextPage ? t("alerts:list.loading") : t("alerts:list.loadMore")}
              </Button>
            ) : (
              <span>{t("alerts:list.endOfResults")}</span>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

/** EntityChips: an alert's first entities and techniques, each a link to the list filtered by it. */
function EntityChips({ a, filters }: { a: Alert; filters: AlertFilters }) {
  const { t } = useTranslation();
  const ents = a.entities ?? [];
  const techs = a.techniques ?? [];
  if (ents.length === 0 && techs.length === 0) return null;
  const chip =
    "rounded bg-slate-200 px-1.5 py-px font-mono text-[11px] text-slate-700 hover:bg-sky-100 hover:text-sky-800 hover:underline dark:bg-slate-800 dark:text-slate-300 dark:hover:bg-sky-950 dark:hover:text-sky-200";
  return (
    <div className="mt-0.5 flex flex-wrap items-center gap-1" data-testid="alert-entities">
      {ents.slice(0, 3).map((e) => (
        <span key={`${e.type}:${e.value}`} className="inline-flex items-center">
          <Link
            to={`/alerts?${filtersToParams({ ...filters, entity: `${e.type}:${e.value}` }).toString()}`}
            className={cx(chip, "max-w-48 truncate rounded-r-none")}
            title={t("alerts:list.alertsWith", { eType: e.type, eValue: e.value })}
            data-testid="entity-chip"
          >
            {e.value}
          </Link>
          <Link to={entityPath(e.type, e.value)} className={cx(chip, "rounded-l-none border-l border-slate-300 px-1 dark:border-slate-600")} aria-label={t("triage:entityPageOf", { type: e.type, value: e.value })} title={t("triage:entityPageOf", { type: e.type, value: e.value })} data-testid="entity-page-link">
            <span aria-hidden="true">↗</span>
          </Link>
        </span>
      ))}
      {ents.length > 3 && <span className="text-[11px] text-muted">+{ents.length - 3}</span>}
      {techs.slice(0, 2).map((tq) => (
        <Link key={tq} to={`/alerts?${filtersToParams({ ...filters, technique: tq }).toString()}`} className={cx(chip, "2xl:hidden")} title={t("alerts:list.alertsWithAttCkTechnique", { technique: tq })}>
          {tq}
        </Link>
      ))}
    </div>
  );
}

/** KEYS are the shortcuts: the key (an i18n key when it has words) and the i18n key of what it does. */
const KEYS: [string, string][] = [
  ["j / ↓", "alerts:keys.next"],
  ["k / ↑", "alerts:keys.previous"],
  ["x", "alerts:keys.select"],
  ["alerts:keys.enterKey", "alerts:keys.open"],
  ["e", "alerts:keys.escalate"],
  ["a", "alerts:keys.assign"],
  ["Shift+A", "triage:keys.assignSomeone"],
  ["t", "triage:keys.tag"],
  ["s", "alerts:keys.status"],
  ["/", "alerts:keys.search"],
  ["?", "alerts:keys.help"],
  ["alerts:keys.escKey", "alerts:keys.back"],
  ["alerts:keys.eOnAlert", "alerts:keys.escalateOne"],
  ["triage:keys.sOnAlert", "triage:keys.statusField"],
  ["triage:keys.aOnAlert", "triage:keys.assigneeField"],
];

function KeyHelp({ open, onOpenChange }: { open: boolean; onOpenChange: (v: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("alerts:list.keyboardShortcuts")} description={t("alerts:list.keysWorkWhenNoText")}>
      <table className="w-full text-sm" data-testid="key-help">
        <tbody>
          {KEYS.map(([k, what]) => (
            <tr key={k} className="border-t border-slate-100 dark:border-slate-800">
              <td className="py-1 pr-4 font-mono text-xs whitespace-nowrap">
                <kbd>{k.includes(":") ? t(k) : k}</kbd>
              </td>
              <td className="py-1">{t(what)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-3 text-right">
        <Button size="sm" onClick={() => onOpenChange(false)}>
          {t("alerts:list.close")}
        </Button>
      </div>
    </Dialog>
  );
}
