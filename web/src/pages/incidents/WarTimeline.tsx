// The incident timeline of the war room (GET …/timeline/items): alerts at
// their event time, changes, notes, tasks, evidence custody and analyst
// entries in one ordered stream, on a zoomable time axis (TimeAxis.tsx)
// and as a list; filters by category, source and entity (sent to the
// server); analyst entries (add, delete); annotations on any item; export
// as JSON or CSV with the current filters.
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { ApiError } from "../../api/problem";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, Field, Input, ProblemAlert, Select, Spinner, fieldProps } from "../../components/ui";
import { cx } from "../../lib/format";
import { useAssignees } from "../assignees";
import { raw, save } from "./download";
import { actorLabel } from "./live";
import { textarea } from "./parts";
import { TimeAxis, categoryColor, type AxisItem } from "./TimeAxis";
import { BASE_CATEGORIES, ENTRY_CATEGORIES, parseEntities, timeline, type TimelineFilter, type TimelineItem } from "./warroomApi";
import { Time } from "../../components/Time";

/** nowLocal is the current UTC time as a datetime-local value (the form works in UTC). */
const nowUTC = () => new Date().toISOString().slice(0, 16);

function useRefresh(incidentId: string) {
  const qc = useQueryClient();
  const org = useOrgKey()[1];
  return () => qc.invalidateQueries({ predicate: (q) => q.queryKey[0] === "org" && q.queryKey[1] === org && q.queryKey[2] === "warroom-timeline" && q.queryKey[3] === incidentId });
}

function EntryForm({ incidentId, onDone }: { incidentId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefresh(incidentId);
  const [d, setD] = useState({ at: nowUTC(), category: "observation", source: "", title: "", description: "", entities: "" });
  const parsed = parseEntities(d.entities);
  const m = useMutation({
    mutationFn: () =>
      timeline.addEntry(incidentId, {
        at: new Date(`${d.at}:00Z`).toISOString(),
        category: d.category,
        source: d.source.trim() || undefined,
        title: d.title.trim(),
        description: d.description.trim() || undefined,
        entities: parsed.entities.length ? parsed.entities : undefined,
      }),
    onSuccess: () => {
      void refresh();
      onDone();
    },
  });
  const f = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const entErr = parsed.bad.length ? `Not type:value with a known type: ${parsed.bad.join(", ")}` : Object.entries(f).find(([k]) => k.startsWith("entities"))?.[1];
  return (
    <form
      className="space-y-2 rounded border border-slate-200 p-2 dark:border-slate-800"
      aria-label={t("incidents:warTimeline.addATimelineEntry")}
      onSubmit={(e) => {
        e.preventDefault();
        if (d.title.trim() && !parsed.bad.length) m.mutate();
      }}
    >
      <div className="grid gap-2 sm:grid-cols-2">
        <Field id="tl-at" label={t("incidents:warTimeline.whenUtc")} error={f.at}>
          <Input {...fieldProps("tl-at", f.at)} type="datetime-local" value={d.at} onChange={(e) => setD({ ...d, at: e.target.value })} required />
        </Field>
        <Field id="tl-category" label={t("incidents:warTimeline.category")} error={f.category}>
          <Select {...fieldProps("tl-category", f.category)} value={d.category} onChange={(e) => setD({ ...d, category: e.target.value })}>
            {ENTRY_CATEGORIES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </Select>
        </Field>
        <Field id="tl-title" label={t("incidents:warTimeline.whatHappened")} error={f.title}>
          <Input {...fieldProps("tl-title", f.title)} value={d.title} onChange={(e) => setD({ ...d, title: e.target.value })} autoFocus />
        </Field>
        <Field id="tl-source" label={t("incidents:warTimeline.sourceOptional")} error={f.source}>
          <Input {...fieldProps("tl-source", f.source)} placeholder={t("incidents:warTimeline.analyst")} value={d.source} onChange={(e) => setD({ ...d, source: e.target.value })} />
        </Field>
      </div>
      <Field id="tl-description" label={t("incidents:warTimeline.descriptionOptional")} error={f.description}>
        <textarea {...fieldProps("tl-description", f.description)} className={cx(textarea, "h-14")} value={d.description} onChange={(e) => setD({ ...d, description: e.target.value })} />
      </Field>
      <Field id="tl-entities" label={t("incidents:warTimeline.linkedEntitiesTypeValueComma")} error={entErr}>
        <Input {...fieldProps("tl-entities", entErr)} placeholder={t("incidents:warTimeline.ip10005")} value={d.entities} onChange={(e) => setD({ ...d, entities: e.target.value })} />
      </Field>
      {m.error && Object.keys(f).length === 0 ? <ProblemAlert error={m.error} /> : null}
      <div className="flex gap-2">
        <Button type="submit" size="sm" variant="primary" disabled={!d.title.trim() || parsed.bad.length > 0 || m.isPending}>
          {t("incidents:warTimeline.addEntry")}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          {t("incidents:warTimeline.cancel")}
        </Button>
      </div>
    </form>
  );
}

function Annotations({ incidentId, item, editable }: { incidentId: string; item: TimelineItem; editable: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefresh(incidentId);
  const people = useAssignees();
  const { me } = useSession();
  const [open, setOpen] = useState(false);
  const [body, setBody] = useState("");
  const add = useMutation({ mutationFn: () => timeline.annotate(incidentId, item.id, body.trim()), onSuccess: () => (setBody(""), setOpen(false), void refresh()) });
  const del = useMutation({ mutationFn: (id: string) => timeline.deleteAnnotation(incidentId, id), onSuccess: () => void refresh() });
  const list = item.annotations ?? [];
  const mine = me.user ? `user:${me.user.id}` : "";
  return (
    <div className="mt-1 space-y-1">
      {list.length > 0 && (
        <ul className="space-y-0.5 border-l-2 border-sky-500/50 pl-2" aria-label={t("incidents:warTimeline.annotations")}>
          {list.map((a) => (
            <li key={a.id} className="text-xs" data-testid="annotation">
              <span className="text-muted">{actorLabel(a.author, people.data?.items)}:</span> {a.body}
              {a.author === mine && editable && (
                <button type="button" className="ml-1 text-red-700 hover:underline dark:text-red-400" aria-label={t("incidents:warTimeline.deleteAnnotation", { value: a.body.slice(0, 40) })} onClick={() => del.mutate(a.id)}>
                  {t("incidents:warTimeline.delete")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable &&
        (open ? (
          <form
            className="flex gap-1"
            onSubmit={(e) => {
              e.preventDefault();
              if (body.trim()) add.mutate();
            }}
          >
            <Input aria-label={t("incidents:warTimeline.annotationOn", { value: item.title.slice(0, 60) })} className="h-7! text-xs" value={body} onChange={(e) => setBody(e.target.value)} autoFocus />
            <Button type="submit" size="sm" disabled={!body.trim() || add.isPending}>
              {t("incidents:warTimeline.save")}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
              {t("incidents:warTimeline.cancel")}
            </Button>
          </form>
        ) : (
          <button type="button" className="text-[11px] text-sky-700 hover:underline dark:text-sky-400" onClick={() => setOpen(true)}>
            {t("incidents:warTimeline.annotate")}
          </button>
        ))}
      {add.error ? <ProblemAlert error={add.error} /> : null}
      {del.error ? <ProblemAlert error={del.error} /> : null}
    </div>
  );
}

function Chips({ label, values, chosen, onToggle, color }: { label: string; values: string[]; chosen: string[]; onToggle: (v: string) => void; color?: (v: string) => string }) {
  const { t } = useTranslation();
  if (values.length === 0) return null;
  return (
    <div role="group" aria-label={t("incidents:warTimeline.filterBy", { value: label.toLowerCase() })} className="flex flex-wrap items-center gap-1">
      <span className="text-[11px] text-muted">{label}:</span>
      {values.map((v) => (
        <button
          key={v}
          type="button"
          aria-pressed={chosen.includes(v)}
          onClick={() => onToggle(v)}
          className={cx(
            "inline-flex items-center gap-1 rounded border px-1.5 py-px text-[11px]",
            chosen.includes(v) ? "border-sky-600 bg-sky-600 text-white" : "border-slate-300 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800",
          )}
        >
          {color && <span aria-hidden className="inline-block size-2 rounded-full" style={{ backgroundColor: color(v) }} />}
          {v}
        </button>
      ))}
    </div>
  );
}

const toggle = (list: string[] | undefined, v: string) => (list?.includes(v) ? list.filter((x) => x !== v) : [...(list ?? []), v]);

/** WarTimeline is the timeline panel of the incident page. */
export function WarTimeline({ incidentId, editable }: { incidentId: string; editable: boolean }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const refresh = useRefresh(incidentId);
  const [filter, setFilter] = useState<TimelineFilter>({});
  const [entityText, setEntityText] = useState("");
  const [adding, setAdding] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  const list = useRef<HTMLOListElement>(null);
  const q = useInfiniteQuery({
    queryKey: useOrgKey("warroom-timeline", incidentId, filter),
    queryFn: ({ pageParam }) => timeline.page(incidentId, filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor || undefined,
    placeholderData: (prev) => prev,
  });
  const items = useMemo(() => (q.data?.pages ?? []).flatMap((p) => p.items ?? []), [q.data]);
  // Filter values seen so far (so a chip does not vanish when it filters the others away).
  const seen = useRef({ sources: new Set<string>(), cats: new Set<string>(BASE_CATEGORIES) });
  for (const it of items) {
    seen.current.sources.add(it.source);
    seen.current.cats.add(it.category);
  }
  const cats = [...seen.current.cats].sort();
  const sources = [...seen.current.sources].sort();
  const axis: AxisItem[] = useMemo(() => items.map((it) => ({ id: it.id, at: Date.parse(it.at), category: it.category, label: it.title })), [items]);
  const exp = useMutation({ mutationFn: async (format: "json" | "csv") => save(await raw("GET", timeline.exportPath(incidentId, filter, format)), `timeline-${incidentId}.${format}`) });
  const del = useMutation({ mutationFn: (refId: string) => timeline.deleteEntry(incidentId, refId), onSuccess: () => void refresh() });
  const entity = parseEntities(entityText);
  const show = (id: string) => {
    setSelected(id);
    const el = list.current?.querySelector<HTMLElement>(`[data-item="${CSS.escape(id)}"]`);
    el?.scrollIntoView({ block: "nearest" });
    el?.focus();
  };
  const active = (filter.category?.length ?? 0) + (filter.source?.length ?? 0) + (filter.entity?.length ?? 0) > 0;
  return (
    <div className="space-y-2" data-testid="war-timeline">
      <div className="flex flex-wrap items-center gap-1">
        {editable && (
          <Button size="sm" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
            {t("incidents:warTimeline.addEntry2")}
          </Button>
        )}
        <Button size="sm" variant="ghost" disabled={exp.isPending} onClick={() => exp.mutate("json")}>
          {t("incidents:warTimeline.exportJson")}
        </Button>
        <Button size="sm" variant="ghost" disabled={exp.isPending} onClick={() => exp.mutate("csv")}>
          {t("incidents:warTimeline.exportCsv")}
        </Button>
        {q.isFetching && !q.isPending && <Spinner label={t("incidents:warTimeline.updatingTheTimeline")} />}
      </div>
      {adding && <EntryForm incidentId={incidentId} onDone={() => setAdding(false)} />}
      {exp.error ? <ProblemAlert error={exp.error} /> : null}
      <div className="space-y-1" aria-label={t("incidents:warTimeline.timelineFilters")} role="group">
        <Chips label={t("incidents:warTimeline.category")} values={cats} chosen={filter.category ?? []} onToggle={(v) => setFilter({ ...filter, category: toggle(filter.category, v) })} color={(v) => categoryColor(cats, v)} />
        <Chips label={t("incidents:warTimeline.source")} values={sources} chosen={filter.source ?? []} onToggle={(v) => setFilter({ ...filter, source: toggle(filter.source, v) })} />
        <form
          className="flex flex-wrap items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (entity.bad.length) return;
            setFilter({ ...filter, entity: entity.entities.map((x) => `${x.type}:${x.value}`) });
          }}
        >
          <Input aria-label={t("incidents:warTimeline.filterByEntityTypeValue")} aria-invalid={entity.bad.length ? true : undefined} placeholder={t("incidents:warTimeline.entityIp1000")} className="h-7! w-56 text-xs" value={entityText} onChange={(e) => setEntityText(e.target.value)} />
          <Button type="submit" size="sm" disabled={entity.bad.length > 0}>
            {t("incidents:warTimeline.filter")}
          </Button>
          {active && (
            <Button size="sm" variant="ghost" onClick={() => (setFilter({}), setEntityText(""))}>
              {t("incidents:warTimeline.clearFilters")}
            </Button>
          )}
          {entity.bad.length > 0 && <span className="text-xs text-red-700 dark:text-red-400">{t("incidents:warTimeline.useTypeValueEG")}</span>}
        </form>
      </div>
      {q.isPending ? (
        <Spinner label={t("incidents:warTimeline.loadingTheTimeline")} />
      ) : q.error && items.length === 0 ? (
        <ProblemAlert error={q.error} />
      ) : items.length === 0 ? (
        <p className="text-sm text-muted" data-testid="timeline-empty">
          {active ? t("incidents:warTimeline.nothingMatchesTheseFilters") : t("incidents:warTimeline.nothingOnTheTimelineYet")}
        </p>
      ) : (
        <>
          {q.error ? <ProblemAlert error={q.error} /> : null}
          <TimeAxis items={axis} selected={selected} onSelect={setSelected} onActivate={show} />
          <ol ref={list} className="max-h-[32rem] space-y-1 overflow-y-auto pr-1" aria-label={t("incidents:warTimeline.timelineItems")} data-testid="timeline-items" tabIndex={-1}>
            {items.map((it) => (
              <li
                key={it.id}
                data-item={it.id}
                data-testid="timeline-item"
                tabIndex={-1}
                className={cx("rounded border px-2 py-1 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500", selected === it.id ? "border-sky-500 bg-sky-50 dark:bg-sky-950/40" : "border-slate-100 dark:border-slate-800")}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("button, a, input, form")) return;
                  setSelected(it.id);
                }}
              >
                <p className="flex flex-wrap items-center gap-x-2 text-[11px] text-muted">
                  <time dateTime={it.at}><Time iso={it.at} /></time>
                  <span className="inline-flex items-center gap-1">
                    <span aria-hidden className="inline-block size-2 rounded-full" style={{ backgroundColor: categoryColor(cats, it.category) }} />
                    {it.category}
                  </span>
                  <span className="font-mono">{it.source}</span>
                  {it.actor && <span>{actorLabel(it.actor, people.data?.items)}</span>}
                  {it.decision && <span className="rounded bg-amber-200 px-1 font-semibold text-amber-950">{t("incidents:warTimeline.decision")}</span>}
                  {it.integrity === "failed" && <span className="rounded bg-red-700 px-1 font-semibold text-white">{t("incidents:warTimeline.integrityFailed")}</span>}
                </p>
                <p className={cx("text-sm", it.type === "entry" && "font-medium")}>{it.title}</p>
                {it.description && <p className="line-clamp-3 text-xs whitespace-pre-wrap text-slate-700 dark:text-slate-300">{it.description}</p>}
                {(it.entities ?? []).length > 0 && (
                  <p className="mt-0.5 flex flex-wrap gap-1">
                    {(it.entities ?? []).slice(0, 8).map((e) => (
                      <button
                        key={`${e.type}:${e.value}`}
                        type="button"
                        className="rounded bg-slate-200 px-1 font-mono text-[10px] text-slate-800 hover:bg-slate-300 dark:bg-slate-800 dark:text-slate-200"
                        title={t("incidents:warTimeline.filterTheTimelineByThis")}
                        onClick={() => {
                          const v = `${e.type}:${e.value}`;
                          setEntityText(v);
                          setFilter({ ...filter, entity: [v] });
                        }}
                      >
                        {e.type}:{e.value}
                      </button>
                    ))}
                  </p>
                )}
                {it.type === "entry" && editable && (
                  <button type="button" className="text-[11px] text-red-700 hover:underline dark:text-red-400" aria-label={t("incidents:warTimeline.deleteEntry", { itTitle: it.title })} disabled={del.isPending} onClick={() => del.mutate(it.ref_id)}>
                    {t("incidents:warTimeline.deleteEntry2")}
                  </button>
                )}
                <Annotations incidentId={incidentId} item={it} editable={editable} />
              </li>
            ))}
          </ol>
          {del.error ? <ProblemAlert error={del.error} /> : null}
          {q.hasNextPage && (
            <Button size="sm" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
              {q.isFetchingNextPage ? t("incidents:warTimeline.loading") : t("incidents:warTimeline.loadMore")}
            </Button>
          )}
        </>
      )}
    </div>
  );
}
