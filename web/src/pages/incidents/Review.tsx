// Post-incident review of a resolved or closed incident (root cause,
// impact, lessons learned, follow-up tasks) and the incident report
// downloads (Markdown, PDF). A live save by someone else never overwrites
// a draft: the form says a newer version exists and offers to load it
// (saving the stale draft is refused by the server with 409).
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { incidents } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import type { Incident, Task } from "../../api/types";
import { useOrgKey } from "../../auth/session";
import { Button, Field, Input, ProblemAlert, Select, Spinner, fieldProps } from "../../components/ui";
import { cx, fmtTime } from "../../lib/format";
import { useAssignees } from "../assignees";
import { raw, save } from "./download";
import { actorLabel } from "./live";
import { textarea } from "./parts";
import { review, reportPath, type FollowUpInput, type Review } from "./warroomApi";

interface DraftFollowUp {
  task_id?: string;
  title: string;
}

interface Draft {
  root_cause: string;
  impact: string;
  lessons_learned: string;
  follow_ups: DraftFollowUp[];
  version: number;
}

function toDraft(r: Review): Draft {
  return {
    root_cause: r.root_cause,
    impact: r.impact,
    lessons_learned: r.lessons_learned,
    follow_ups: (r.follow_ups ?? []).map((f) => ({ task_id: f.task_id, title: f.title })),
    version: r.version,
  };
}

/** reviewInput is the PUT body of a draft. */
export function reviewInput(d: Draft): { root_cause: string; impact: string; lessons_learned: string; follow_ups: FollowUpInput[]; version: number } {
  return {
    root_cause: d.root_cause.trim(),
    impact: d.impact.trim(),
    lessons_learned: d.lessons_learned.trim(),
    follow_ups: d.follow_ups.map((f) => (f.task_id ? { task_id: f.task_id } : { title: f.title.trim() })),
    version: d.version,
  };
}

const STATUS_TEXT: Record<string, string> = { open: "open", in_progress: "in progress", done: "done", cancelled: "cancelled" };

function ReviewView({ r }: { r: Review }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const block = (label: string, text: string) => (
    <div>
      <h3 className="text-xs font-semibold text-slate-600 dark:text-slate-400">{label}</h3>
      {text ? <p className="text-sm whitespace-pre-wrap">{text}</p> : <p className="text-sm text-muted">{t("incidents:review.notWritten")}</p>}
    </div>
  );
  return (
    <div className="space-y-2" data-testid="review-view">
      {block("Root cause", r.root_cause)}
      {block("Impact", r.impact)}
      {block("Lessons learned", r.lessons_learned)}
      <div>
        <h3 className="text-xs font-semibold text-slate-600 dark:text-slate-400">{t("incidents:review.followUpTasks")}</h3>
        {(r.follow_ups ?? []).length === 0 ? (
          <p className="text-sm text-muted">{t("incidents:review.none")}</p>
        ) : (
          <ol className="list-decimal pl-5 text-sm" aria-label={t("incidents:review.followUpTasks")}>
            {(r.follow_ups ?? []).map((f) => (
              <li key={f.task_id}>
                {f.title} <span className="text-xs text-muted">({STATUS_TEXT[f.status] ?? f.status})</span>
              </li>
            ))}
          </ol>
        )}
      </div>
      <p className="text-[11px] text-muted">
        {t("incidents:review.version")}{" "}{r.version}
        {r.updated_at && (
          <>
            {" "}{t("incidents:review.savedBy", { value: fmtTime(r.updated_at), value2: actorLabel(r.updated_by ?? "", people.data?.items) })}
          </>
        )}
      </p>
    </div>
  );
}

function ReviewForm({ inc, r, draft, setDraft, onDone }: { inc: Incident; r: Review; draft: Draft; setDraft: (d: Draft) => void; onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const key = useOrgKey("incident-review", inc.id);
  const tasks = useQuery({ queryKey: useOrgKey("incident-tasks", inc.id), queryFn: () => incidents.tasks(inc.id) });
  const [pick, setPick] = useState("");
  const [title, setTitle] = useState("");
  const m = useMutation({
    mutationFn: () => review.put(inc.id, reviewInput(draft)),
    onSuccess: (saved) => {
      qc.setQueryData(key, saved);
      void qc.invalidateQueries({ queryKey: ["org", key[1], "incident-tasks", inc.id] });
      onDone();
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const conflict = (m.error instanceof ApiError && m.error.code === "review_version_conflict") || r.version > draft.version;
  const chosen = new Set(draft.follow_ups.map((f) => f.task_id).filter(Boolean));
  const free = (tasks.data ?? []).filter((t: Task) => !chosen.has(t.id));
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const move = (i: number, by: number) => {
    const f = [...draft.follow_ups];
    const [x] = f.splice(i, 1);
    if (x) f.splice(i + by, 0, x);
    set({ follow_ups: f });
  };
  const text = (k: "root_cause" | "impact" | "lessons_learned", label: string) => (
    <Field id={`review-${k}`} label={label} error={fields[k]}>
      <textarea {...fieldProps(`review-${k}`, fields[k])} className={cx(textarea, "h-20")} value={draft[k]} onChange={(e) => set({ [k]: e.target.value })} />
    </Field>
  );
  return (
    <form
      className="space-y-2"
      aria-label={t("incidents:review.postIncidentReview")}
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      {conflict && (
        <div role="alert" className="rounded border border-amber-500/70 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/40 dark:text-amber-200" data-testid="review-conflict">
          {t("incidents:review.someoneSavedANewerVersion")}{r.version}{t("incidents:review.whileYouWereEditingYour")}
          <div className="mt-1">
            <Button size="sm" onClick={() => (m.reset(), setDraft(toDraft(r)))}>
              {t("incidents:review.loadVersion", { rVersion: r.version })}
            </Button>
          </div>
        </div>
      )}
      {text("root_cause", "Root cause")}
      {text("impact", "Impact")}
      {text("lessons_learned", "Lessons learned")}
      <fieldset className="space-y-1">
        <legend className="text-xs font-medium text-slate-600 dark:text-slate-400">{t("incidents:review.followUpTasks")}</legend>
        {draft.follow_ups.length === 0 ? (
          <p className="text-sm text-muted">{t("incidents:review.noFollowUpsYet")}</p>
        ) : (
          <ol className="space-y-1" aria-label={t("incidents:review.followUps")}>
            {draft.follow_ups.map((f, i) => {
              const err = fields[`follow_ups[${i}].task_id`] ?? fields[`follow_ups[${i}].title`] ?? fields[`follow_ups[${i}]`];
              return (
                <li key={`${f.task_id ?? "new"}-${i}`} className="flex flex-wrap items-center gap-1 rounded border border-slate-100 px-2 py-0.5 text-sm dark:border-slate-800" data-testid="review-follow-up">
                  <span className="min-w-0 flex-1">
                    {f.title}
                    {!f.task_id && <span className="ml-1 text-[11px] text-muted">{t("incidents:review.newTask")}</span>}
                    {err && <span className="block text-xs text-red-700 dark:text-red-400">{err}</span>}
                  </span>
                  <Button size="sm" variant="ghost" aria-label={t("incidents:review.moveUp", { fTitle: f.title })} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </Button>
                  <Button size="sm" variant="ghost" aria-label={t("incidents:review.moveDown", { fTitle: f.title })} disabled={i === draft.follow_ups.length - 1} onClick={() => move(i, 1)}>
                    ↓
                  </Button>
                  <Button size="sm" variant="dangerGhost" aria-label={t("incidents:review.removeFollowUp", { fTitle: f.title })} onClick={() => set({ follow_ups: draft.follow_ups.filter((_, j) => j !== i) })}>
                    ×
                  </Button>
                </li>
              );
            })}
          </ol>
        )}
        <div className="flex flex-wrap gap-1">
          <Select aria-label={t("incidents:review.existingTaskAsAFollow")} className="w-56" value={pick} onChange={(e) => setPick(e.target.value)} disabled={tasks.isPending}>
            <option value="">{tasks.isPending ? t("incidents:review.loadingTasks") : free.length ? t("incidents:review.pickATaskOfThis") : t("incidents:review.noOtherTasks")}</option>
            {free.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </Select>
          <Button
            size="sm"
            className="h-8"
            disabled={!pick}
            onClick={() => {
              const t = free.find((x) => x.id === pick);
              if (t) set({ follow_ups: [...draft.follow_ups, { task_id: t.id, title: t.title }] });
              setPick("");
            }}
          >
            {t("incidents:review.addTask")}
          </Button>
        </div>
        <div className="flex flex-wrap gap-1">
          <Input aria-label={t("incidents:review.newFollowUpTask")} placeholder={t("incidents:review.newFollowUpTask")} className="w-56" value={title} onChange={(e) => setTitle(e.target.value)} onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              if (title.trim()) (set({ follow_ups: [...draft.follow_ups, { title: title.trim() }] }), setTitle(""));
            }
          }} />
          <Button size="sm" className="h-8" disabled={!title.trim()} onClick={() => (set({ follow_ups: [...draft.follow_ups, { title: title.trim() }] }), setTitle(""))}>
            {t("incidents:review.addNew")}
          </Button>
        </div>
        {tasks.error ? <ProblemAlert error={tasks.error} /> : null}
      </fieldset>
      {m.error && !conflict && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
      {m.error instanceof ApiError && m.error.code === "incident_not_resolved" ? <p className="text-xs">{t("incidents:review.resolveTheIncidentFirst")}</p> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={m.isPending}>
          {t("incidents:review.saveReview")}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          {t("incidents:review.cancel")}
        </Button>
      </div>
    </form>
  );
}

/** ReviewPanel: the review of a resolved or closed incident (read, write). */
export function ReviewPanel({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: useOrgKey("incident-review", inc.id), queryFn: () => review.get(inc.id) });
  const [draft, setDraft] = useState<Draft | null>(null);
  if (q.isPending) return <Spinner label={t("incidents:review.loadingTheReview")} />;
  if (q.error && !q.data) return <ProblemAlert error={q.error} />;
  const r = q.data!;
  if (draft) return <ReviewForm inc={inc} r={r} draft={draft} setDraft={setDraft} onDone={() => setDraft(null)} />;
  const canWrite = editable && r.editable;
  return (
    <div className="space-y-2" data-testid="review">
      {q.error ? <ProblemAlert error={q.error} /> : null}
      {r.exists ? <ReviewView r={r} /> : <p className="text-sm text-muted" data-testid="review-empty">{r.editable ? t("incidents:review.noReviewWrittenYet") : t("incidents:review.theReviewIsWrittenOnce")}</p>}
      {canWrite && (
        <Button size="sm" onClick={() => setDraft(toDraft(r))}>
          {r.exists ? t("incidents:review.editReview") : t("incidents:review.writeReview")}
        </Button>
      )}
    </div>
  );
}

/** ReportButtons download the incident report as Markdown or PDF. */
export function ReportButtons({ inc }: { inc: Incident }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: async (format: "markdown" | "pdf") => save(await raw("GET", reportPath(inc.id, format)), `incident-${inc.id}.${format === "pdf" ? "pdf" : "md"}`),
    // The report embeds the evidence manifest: each artifact's custody gains an "exported" entry.
    onSettled: () => void qc.invalidateQueries({ predicate: (q) => typeof q.queryKey[2] === "string" && (q.queryKey[2].startsWith("incident-evidence") || q.queryKey[2] === "warroom-timeline") }),
  });
  return (
    <div className="space-y-2" data-testid="report">
      <p className="text-xs text-muted">{t("incidents:review.summaryTimelineByAttAmp")}</p>
      <div className="flex flex-wrap gap-1">
        <Button size="sm" disabled={m.isPending} onClick={() => m.mutate("markdown")}>
          {t("incidents:review.downloadReportMarkdown")}
        </Button>
        <Button size="sm" disabled={m.isPending} onClick={() => m.mutate("pdf")}>
          {t("incidents:review.downloadReportPdf")}
        </Button>
        {m.isPending && <Spinner label={t("incidents:review.preparingTheReport")} />}
      </div>
      {m.error ? <ProblemAlert error={m.error} /> : null}
    </div>
  );
}
