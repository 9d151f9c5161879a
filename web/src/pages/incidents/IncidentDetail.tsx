// One incident: summary, workflow transitions (disposition on resolve and
// close), assignee and responders, tags, ATT&CK, custom fields, alerts with
// "why grouped", tasks, notes with @mentions and edit history, timeline;
// merge and split.
import { entityPath } from "../../api/entities";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { correlation, incidents } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import {
  DISPOSITIONS,
  DISPOSITION_LABELS,
  INCIDENT_SEVERITIES,
  PRIORITIES,
  type Assignee,
  type Disposition,
  type Explanation,
  type FieldDef,
  type FieldValue,
  type Incident,
  type IncidentChange,
  type IncidentStatus,
  type LinkedAlert,
  type Note,
  type Task,
  type TaskStatus,
} from "../../api/types";
import { useOrgKey, useSession } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { Button, Checkbox, Field, Input, PageHeader, ProblemAlert, Section, Select, SeverityBadge, Spinner, fieldProps, td, th } from "../../components/ui";
import { cx, fmtTime } from "../../lib/format";
import { attackURL } from "../AlertDetail";
import { AssigneeSelect } from "../AssigneeSelect";
import { assigneeName, useAssignees } from "../assignees";
import { KeyTable } from "./Incidents";
import { MentionBox } from "./MentionBox";
import { EvidencePanel } from "./Evidence";
import { useHasPath } from "../../lib/capabilities";
import { MergeDialog, SplitDialog } from "./dialogs";
import { NoteBody } from "./noteBody";
import { DecisionBadge, DecisionLog, DecisionToggle } from "./Decisions";
import { PresenceAvatars } from "./Presence";
import { WarTimeline } from "./WarTimeline";
import { LiveIndicator, useIncidentLive } from "./live";
import { ReportButtons, ReviewPanel } from "./Review";
import { DECISIONS_PATH, PRESENCE_PATH, REPORT_PATH, REVIEW_PATH, TIMELINE_ITEMS_PATH } from "./warroomApi";
import { needsDisposition, nextStatuses, transitionLabel } from "./incidentFilters";
import { IncidentStatusBadge, PriorityBadge, SlaBadge, textarea, useNow } from "./parts";
import { fmtDuration } from "./incidentFilters";
import { Time } from "../../components/Time";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[8rem_1fr] gap-2 py-0.5">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="min-w-0 text-sm break-words">{children}</dd>
    </div>
  );
}

/** actorName reads "user:<id>" actors by name; system actors as they are. */
function actorName(actor: string, people: Assignee[] | undefined): string {
  return actor.startsWith("user:") ? assigneeName(actor.slice(5), people) : actor;
}

/**
 * invalidateIncident refreshes what an incident change can affect: the
 * incident queries (detail, its alerts, tasks, notes, timeline, lists),
 * not every org query (the API rate-limits reads per user).
 */
export function invalidateIncident(qc: ReturnType<typeof useQueryClient>) {
  return qc.invalidateQueries({ predicate: (q) => q.queryKey[0] === "org" && typeof q.queryKey[2] === "string" && /^(incident|warroom-(timeline|decisions)|note-revisions|notifications|alert-incident|groupings)/.test(q.queryKey[2]) });
}

/** useUpdate patches the incident and refreshes everything org-scoped. */
function useUpdate(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (change: IncidentChange) => incidents.update(id, change),
    onSuccess: () => void invalidateIncident(qc),
  });
}

function Transitions({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const m = useUpdate(inc.id);
  const [to, setTo] = useState<IncidentStatus | null>(null);
  const [disposition, setDisposition] = useState<Disposition>("true_positive");
  const [note, setNote] = useState("");
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  if (!editable || inc.merged_into) return null;
  const go = (s: IncidentStatus) => {
    // resolved → closed keeps the disposition already given.
    if (needsDisposition(s) && !(s === "closed" && inc.disposition)) {
      setTo(s);
      return;
    }
    m.mutate({ status: s });
  };
  return (
    <div className="flex flex-wrap items-center gap-1" role="group" aria-label={t("incidents:incidentDetail.statusTransitions")}>
      {nextStatuses(inc.status).map((s) => (
        <Button key={s} size="sm" variant={s === nextStatuses(inc.status)[0] ? "primary" : "secondary"} disabled={m.isPending} onClick={() => go(s)}>
          {transitionLabel(inc.status, s)}
        </Button>
      ))}
      {m.error && !to ? <ProblemAlert error={m.error} className="w-full" /> : null}
      <Dialog open={!!to} onOpenChange={(o) => !o && setTo(null)} title={to === "closed" ? t("incidents:incidentDetail.closeIncident") : t("incidents:incidentDetail.resolveIncident")} description={t("incidents:incidentDetail.recordTheVerdictItFeeds")}>
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!to) return;
            m.mutate(
              { status: to, disposition, disposition_note: disposition === "other" ? note.trim() : undefined },
              { onSuccess: () => setTo(null) },
            );
          }}
        >
          <fieldset className="space-y-1">
            <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("incidents:incidentDetail.disposition")}</legend>
            {DISPOSITIONS.map((d) => (
              <label key={d} className="flex items-center gap-2 text-sm">
                <input type="radio" name="disposition" value={d} checked={disposition === d} onChange={() => setDisposition(d)} />
                {DISPOSITION_LABELS[d]}
              </label>
            ))}
          </fieldset>
          {disposition === "other" && (
            <Field id="disposition-note" label={t("incidents:incidentDetail.dispositionNoteRequired")} error={fields.disposition_note}>
              <textarea {...fieldProps("disposition-note", fields.disposition_note)} className={cx(textarea, "h-16")} value={note} onChange={(e) => setNote(e.target.value)} />
            </Field>
          )}
          {m.error && !fields.disposition_note ? <ProblemAlert error={m.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setTo(null)}>
              {t("incidents:incidentDetail.cancel")}
            </Button>
            <Button type="submit" variant="primary" disabled={m.isPending || (disposition === "other" && !note.trim())}>
              {to === "closed" ? t("incidents:incidentDetail.close") : t("incidents:incidentDetail.resolve")}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

function Summary({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const m = useUpdate(inc.id);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ title: inc.title, description: inc.description, severity: inc.severity, priority: inc.priority });
  // A live change by someone else updates the view, never a draft being edited.
  useEffect(() => {
    if (!editing) setDraft({ title: inc.title, description: inc.description, severity: inc.severity, priority: inc.priority });
  }, [editing, inc.title, inc.description, inc.severity, inc.priority]);
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  if (editing)
    return (
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          const c: IncidentChange = {};
          if (draft.title !== inc.title) c.title = draft.title;
          if (draft.description !== inc.description) c.description = draft.description;
          if (draft.severity !== inc.severity) c.severity = draft.severity;
          if (draft.priority !== inc.priority) c.priority = draft.priority;
          m.mutate(c, { onSuccess: () => setEditing(false) });
        }}
      >
        <Field id="inc-title" label={t("incidents:incidentDetail.title")} error={fields.title}>
          <Input {...fieldProps("inc-title", fields.title)} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} autoFocus />
        </Field>
        <Field id="inc-description" label={t("incidents:incidentDetail.description")} error={fields.description}>
          <textarea {...fieldProps("inc-description", fields.description)} className={cx(textarea, "h-24")} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field id="inc-severity" label={t("incidents:incidentDetail.severity")} error={fields.severity}>
            <Select {...fieldProps("inc-severity", fields.severity)} value={draft.severity} onChange={(e) => setDraft({ ...draft, severity: e.target.value as Incident["severity"] })}>
              {INCIDENT_SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          </Field>
          <Field id="inc-priority" label={t("incidents:incidentDetail.priority")} error={fields.priority}>
            <Select {...fieldProps("inc-priority", fields.priority)} value={draft.priority} onChange={(e) => setDraft({ ...draft, priority: e.target.value as Incident["priority"] })}>
              {PRIORITIES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </Select>
          </Field>
        </div>
        {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
        <div className="flex gap-2">
          <Button type="submit" variant="primary" disabled={m.isPending || !draft.title.trim()}>
            {t("incidents:incidentDetail.save")}
          </Button>
          <Button variant="ghost" onClick={() => setEditing(false)}>
            {t("incidents:incidentDetail.cancel")}
          </Button>
        </div>
      </form>
    );
  return (
    <div>
      {inc.description ? <p className="mb-2 text-sm whitespace-pre-wrap">{inc.description}</p> : <p className="mb-2 text-sm text-muted">{t("incidents:incidentDetail.noDescription")}</p>}
      <dl>
        <Row label={t("incidents:incidentDetail.type")}>{inc.type || <span className="text-muted">{t("incidents:incidentDetail.none")}</span>}</Row>
        <Row label={t("incidents:incidentDetail.priority")}>
          <PriorityBadge priority={inc.priority} />
        </Row>
        {inc.disposition && (
          <Row label={t("incidents:incidentDetail.disposition")}>
            {DISPOSITION_LABELS[inc.disposition]}
            {inc.disposition_note ? ` — ${inc.disposition_note}` : ""}
          </Row>
        )}
        {inc.merged_into && (
          <Row label={t("incidents:incidentDetail.mergedInto")}>
            <Link to={`/incidents/${inc.merged_into}`} className="text-sky-700 hover:underline dark:text-sky-400">
              {t("incidents:incidentDetail.theSurvivingIncident")}
            </Link>
          </Row>
        )}
        <Row label={t("incidents:incidentDetail.createdUtc")}>
          {t("incidents:incidentDetail.by", { value: fmtTime(inc.created_at), value2: actorName(inc.created_by, people.data?.items) })}
        </Row>
        {inc.acknowledged_at && <Row label={t("incidents:incidentDetail.acknowledged")}><Time iso={inc.acknowledged_at} /></Row>}
        {inc.resolved_at && <Row label={t("incidents:incidentDetail.resolved")}><Time iso={inc.resolved_at} /></Row>}
        {inc.closed_at && <Row label={t("incidents:incidentDetail.closed")}><Time iso={inc.closed_at} /></Row>}
        <Row label="ID">
          <span className="font-mono text-xs">{inc.id}</span>
        </Row>
      </dl>
      {editable && (
        <Button size="sm" className="mt-2" onClick={() => setEditing(true)}>
          {t("incidents:incidentDetail.editSummary")}
        </Button>
      )}
    </div>
  );
}

function People({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const people = useAssignees();
  const m = useUpdate(inc.id);
  const [add, setAdd] = useState("");
  const responders = inc.responders ?? [];
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  return (
    <div className="space-y-3">
      <Field id="inc-assignee" label={t("incidents:incidentDetail.assigneeSavesAtOnce")} error={fields.assignee}>
        <div className="flex gap-1">
          <AssigneeSelect {...fieldProps("inc-assignee", fields.assignee)} disabled={!editable || m.isPending} value={inc.assignee ?? ""} onChange={(v) => m.mutate({ assignee: v })} />
          <Button size="sm" className="h-8" aria-label={t("incidents:incidentDetail.assignIncidentToMe")} disabled={!editable || !me.user || inc.assignee === me.user.id} onClick={() => me.user && m.mutate({ assignee: me.user.id })}>
            {t("incidents:incidentDetail.me")}
          </Button>
        </div>
      </Field>
      <div>
        <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("incidents:incidentDetail.responders")}</p>
        {responders.length === 0 ? (
          <p className="text-sm text-muted">{t("incidents:incidentDetail.noResponders")}</p>
        ) : (
          <ul className="flex flex-wrap gap-1" data-testid="responders">
            {responders.map((r) => (
              <li key={r} className="inline-flex items-center gap-1 rounded bg-slate-200 py-px pr-0.5 pl-1.5 text-xs dark:bg-slate-800">
                {assigneeName(r, people.data?.items)}
                {editable && (
                  <button type="button" aria-label={t("incidents:incidentDetail.removeResponder", { value: assigneeName(r, people.data?.items) })} className="rounded px-1 hover:bg-slate-300 dark:hover:bg-slate-700" onClick={() => m.mutate({ responders: responders.filter((x) => x !== r) })}>
                    ×
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {editable && (
          <div className="mt-1 flex gap-1">
            <AssigneeSelect aria-label={t("incidents:incidentDetail.addResponder")} value={add} onChange={setAdd} />
            <Button
              size="sm"
              className="h-8"
              disabled={!add || responders.includes(add) || m.isPending}
              onClick={() => m.mutate({ responders: [...responders, add] }, { onSuccess: () => setAdd("") })}
            >
              {t("incidents:incidentDetail.add")}
            </Button>
          </div>
        )}
        {fields.responders ? <p className="text-xs text-red-700 dark:text-red-400">{fields.responders}</p> : null}
      </div>
      {m.error && !fields.assignee && !fields.responders ? <ProblemAlert error={m.error} /> : null}
    </div>
  );
}

/** ListEditor edits a list of short strings that save at once (tags, manual ATT&CK). */
function ListEditor({ label, values, editable, onAdd, onRemove, pending, error, placeholder, render, normalize }: {
  label: string;
  values: string[];
  editable: boolean;
  onAdd: (v: string) => void;
  onRemove: (v: string) => void;
  pending: boolean;
  error?: unknown;
  placeholder: string;
  render?: (v: string) => ReactNode;
  normalize?: (v: string) => string;
}) {
  const { t } = useTranslation();
  const [v, setV] = useState("");
  return (
    <div className="space-y-1">
      <ul className="flex flex-wrap gap-1" aria-label={label}>
        {values.length === 0 && <li className="text-sm text-muted">{t("incidents:incidentDetail.none2")}</li>}
        {values.map((v) => (
          <li key={v} className="inline-flex items-center gap-1 rounded bg-slate-200 py-px pr-0.5 pl-1.5 font-mono text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300">
            {render ? render(v) : v}
            {editable && (
              <button type="button" aria-label={t("incidents:incidentDetail.remove", { value: label.toLowerCase(), tag: v })} className="rounded px-1 hover:bg-slate-300 dark:hover:bg-slate-700" onClick={() => onRemove(v)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {editable && (
        <form
          className="flex gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            const x = (normalize ? normalize(v) : v).trim();
            if (x) onAdd(x);
            setV("");
          }}
        >
          <Input aria-label={t("incidents:incidentDetail.add2", { value: label.toLowerCase() })} placeholder={placeholder} className="h-7! w-44 text-xs" value={v} onChange={(e) => setV(e.target.value)} />
          <Button type="submit" size="sm" disabled={!v.trim() || pending}>
            {t("incidents:incidentDetail.add")}
          </Button>
        </form>
      )}
      {error ? <ProblemAlert error={error} /> : null}
    </div>
  );
}

function Tags({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const m = useUpdate(inc.id);
  return <ListEditor label={t("incidents:incidentDetail.tag")} values={inc.tags ?? []} editable={editable} pending={m.isPending} error={m.error} placeholder={t("incidents:incidentDetail.addTag")} onAdd={(t) => m.mutate({ add_tags: [t] })} onRemove={(t) => m.mutate({ remove_tags: [t] })} />;
}

function Attack({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const m = useUpdate(inc.id);
  const manualT = inc.manual_techniques ?? [];
  const manualTa = inc.manual_tactics ?? [];
  const fromAlerts = (inc.techniques ?? []).filter((t) => !manualT.includes(t));
  const tacticsFromAlerts = (inc.tactics ?? []).filter((t) => !manualTa.includes(t));
  const techLink = (t: string) => {
    const u = attackURL(t);
    return u ? (
      <a href={u} target="_blank" rel="noreferrer" className="hover:underline">
        {t}
      </a>
    ) : (
      t
    );
  };
  return (
    <div className="space-y-3" data-testid="incident-attack">
      <dl>
        <Row label={t("incidents:incidentDetail.fromAlerts")}>
          {tacticsFromAlerts.length === 0 && fromAlerts.length === 0 ? (
            <span className="text-muted">{t("incidents:incidentDetail.noAttAmpCkLabels")}</span>
          ) : (
            <span className="font-mono text-xs">
              {tacticsFromAlerts.join(", ")}
              {tacticsFromAlerts.length && fromAlerts.length ? " · " : ""}
              {fromAlerts.map((t, i) => (
                <span key={t}>
                  {i > 0 ? ", " : ""}
                  {techLink(t)}
                </span>
              ))}
            </span>
          )}
        </Row>
      </dl>
      <div>
        <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("incidents:incidentDetail.manualTactics")}</p>
        <ListEditor label={t("incidents:incidentDetail.tactic")} values={manualTa} editable={editable} pending={m.isPending} placeholder={t("incidents:incidentDetail.credentialAccess")} normalize={(v) => v.toLowerCase()} onAdd={(t) => m.mutate({ manual_tactics: [...manualTa, t] })} onRemove={(t) => m.mutate({ manual_tactics: manualTa.filter((x) => x !== t) })} />
      </div>
      <div>
        <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("incidents:incidentDetail.manualTechniques")}</p>
        <ListEditor label={t("incidents:incidentDetail.technique")} values={manualT} editable={editable} pending={m.isPending} placeholder="T1059.001" normalize={(v) => v.toUpperCase()} render={techLink} onAdd={(t) => m.mutate({ manual_techniques: [...manualT, t] })} onRemove={(t) => m.mutate({ manual_techniques: manualT.filter((x) => x !== t) })} />
      </div>
      {m.error ? <ProblemAlert error={m.error} /> : null}
    </div>
  );
}

function fieldText(def: FieldDef, v: FieldValue | undefined, people: Assignee[] | undefined): string {
  if (v === undefined || v === null || v === "") return "—";
  if (Array.isArray(v)) return v.join(", ");
  if (def.kind === "user") return assigneeName(String(v), people);
  return String(v);
}

function CustomFields({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const defs = useQuery({ queryKey: useOrgKey("incident-fields"), queryFn: incidents.fields, staleTime: 60_000 });
  const m = useUpdate(inc.id);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, FieldValue>>({});
  const values = inc.custom_fields ?? {};
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  if (defs.isPending) return <Spinner label={t("incidents:incidentDetail.loadingCustomFields")} />;
  if (defs.error) return <ProblemAlert error={defs.error} />;
  if (defs.data.length === 0) return <p className="text-sm text-muted">{t("incidents:incidentDetail.thisOrganizationDefinesNoCustom")}</p>;
  if (!editing)
    return (
      <div>
        <dl data-testid="custom-fields">
          {defs.data.map((d) => (
            <Row key={d.key} label={d.label + (d.required ? " *" : "")}>
              {fieldText(d, values[d.key], people.data?.items)}
            </Row>
          ))}
        </dl>
        {editable && (
          <Button
            size="sm"
            className="mt-2"
            onClick={() => {
              setDraft({ ...values });
              setEditing(true);
            }}
          >
            {t("incidents:incidentDetail.editFields")}
          </Button>
        )}
      </div>
    );
  const set = (k: string, v: FieldValue) => setDraft((d) => ({ ...d, [k]: v }));
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        const change: Record<string, FieldValue> = {};
        for (const d of defs.data) {
          const before = JSON.stringify(values[d.key] ?? null);
          let v = draft[d.key] ?? null;
          if (v === "" || (Array.isArray(v) && v.length === 0)) v = null;
          if (d.kind === "number" && typeof v === "string") v = Number(v);
          if (JSON.stringify(v) !== before) change[d.key] = v;
        }
        m.mutate({ custom_fields: change }, { onSuccess: () => setEditing(false) });
      }}
    >
      {defs.data.map((d) => {
        const id = `cf-${d.key}`;
        const err = fields[`custom_fields.${d.key}`];
        const v = draft[d.key];
        return (
          <Field key={d.key} id={id} label={d.label + (d.required ? t("incidents:incidentDetail.requiredSuffix") : "")} error={err}>
            {d.kind === "select" ? (
              <Select {...fieldProps(id, err)} value={typeof v === "string" ? v : ""} onChange={(e) => set(d.key, e.target.value)}>
                <option value="">—</option>
                {(d.options ?? []).map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </Select>
            ) : d.kind === "multi_select" ? (
              <div id={id} role="group" aria-label={d.label} className="flex flex-wrap gap-2">
                {(d.options ?? []).map((o) => {
                  const list = Array.isArray(v) ? v : [];
                  return (
                    <label key={o} className="flex items-center gap-1 text-xs">
                      <Checkbox label={o} checked={list.includes(o)} onCheckedChange={(on) => set(d.key, on ? [...list, o] : list.filter((x) => x !== o))} />
                      {o}
                    </label>
                  );
                })}
              </div>
            ) : d.kind === "user" ? (
              <AssigneeSelect {...fieldProps(id, err)} value={typeof v === "string" ? v : ""} onChange={(x) => set(d.key, x)} />
            ) : (
              <Input {...fieldProps(id, err)} type={d.kind === "number" ? "number" : d.kind === "date" ? "date" : "text"} value={v === null || v === undefined ? "" : String(v)} onChange={(e) => set(d.key, e.target.value)} />
            )}
          </Field>
        );
      })}
      {m.error && !Object.keys(fields).some((k) => k.startsWith("custom_fields")) ? <ProblemAlert error={m.error} /> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={m.isPending}>
          {t("incidents:incidentDetail.saveFields")}
        </Button>
        <Button variant="ghost" onClick={() => setEditing(false)}>
          {t("incidents:incidentDetail.cancel")}
        </Button>
      </div>
    </form>
  );
}

export function ExplanationView({ e }: { e: Explanation }) {
  const { t } = useTranslation();
  return (
    <div className="space-y-1 text-xs" data-testid="why-grouped">
      <p>{e.summary}</p>
      <dl>
        <Row label={t("incidents:incidentDetail.rule")}>
          <Link to={`/correlation/rules?rule=${encodeURIComponent(e.rule)}`} className="font-mono text-sky-700 hover:underline dark:text-sky-400">
            {e.rule}
          </Link>{" "}
          v{e.rule_version}
        </Row>
        <Row label={t("incidents:incidentDetail.groupKey")}>
          <span className="font-mono">{e.group_key}</span>
        </Row>
        {(e.shared_entities ?? []).length > 0 && (
          <Row label={t("incidents:incidentDetail.sharedEntities")}>
            <span className="font-mono">{(e.shared_entities ?? []).map((x) => `${x.type}:${x.value}`).join(", ")}</span>
          </Row>
        )}
        {(e.ignored_entities ?? []).length > 0 && (
          <Row label={t("incidents:incidentDetail.ignoredTooCommon")}>
            <span className="font-mono">{(e.ignored_entities ?? []).map((x) => `${x.type}:${x.value}`).join(", ")}</span>
          </Row>
        )}
        <Row label={t("incidents:incidentDetail.windowUtc")}>
          <Time iso={e.window_start} /> – <Time iso={e.window_end} />
        </Row>
        <Row label={t("incidents:incidentDetail.score")}>
          {e.score.toFixed(2)}
          {(e.score_parts ?? []).length > 0 && <span className="text-muted"> = {(e.score_parts ?? []).map((p) => `${p.name} ${p.value.toFixed(2)}×${p.weight}`).join(" + ")}</span>}
        </Row>
      </dl>
    </div>
  );
}

/** WhyGrouped shows an alert's groupings (GET /alerts/{id}/groupings), loaded on demand. */
function WhyGrouped({ alert }: { alert: LinkedAlert }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: useOrgKey("groupings", alert.alert_id), queryFn: () => correlation.groupings(alert.alert_id) });
  if (q.isPending) return <Spinner label={t("incidents:incidentDetail.loadingGroupings")} />;
  if (q.error) return <ProblemAlert error={q.error} />;
  const own = alert.provenance.explanation;
  return (
    <div className="space-y-2">
      <p className="text-xs">
        {t("incidents:incidentDetail.addedBy")}{" "}<span className="font-mono">{alert.added_by}</span>{" "}{t("incidents:incidentDetail.via")}{" "}<strong>{alert.provenance.via}</strong>{" "}{t("incidents:incidentDetail.at")}{" "}<Time iso={alert.added_at} />
        {alert.provenance.from ? t("incidents:incidentDetail.movedFromAnotherIncident") : ""}.
      </p>
      {own && <ExplanationView e={own} />}
      {q.data.length === 0 ? (
        !own && <p className="text-xs text-muted">{t("incidents:incidentDetail.noCorrelationRuleGroupedThis")}</p>
      ) : (
        <div>
          <p className="text-[11px] font-semibold text-muted uppercase">{t("incidents:incidentDetail.correlationGroupsOfThisAlert", { qDataLength: q.data.length })}</p>
          <ul className="space-y-2">
            {q.data.map((g) => (
              <li key={g.group_id} className="border-l-2 border-slate-300 pl-2 dark:border-slate-700">
                {g.explanation ? (
                  <ExplanationView e={g.explanation} />
                ) : (
                  <p className="text-xs">
                    {t("incidents:incidentDetail.rule")}{" "}<span className="font-mono">{g.rule}</span> v{g.rule_version}{t("incidents:incidentDetail.group")}{" "}<span className="font-mono">{g.group_key}</span>: {g.alerts}{" "}{t("incidents:incidentDetail.alert")}{g.alerts === 1 ? "" : "s"}{t("incidents:incidentDetail.belowTheRuleSGates")}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function Alerts({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: useOrgKey("incident-alerts", inc.id), queryFn: () => incidents.alerts(inc.id) });
  const [open, setOpen] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [split, setSplit] = useState(false);
  const detach = useMutation({
    mutationFn: (alertId: string) => incidents.detach(inc.id, alertId),
    onSuccess: () => void invalidateIncident(qc),
  });
  if (q.isPending) return <Spinner label={t("incidents:incidentDetail.loadingAlerts")} />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-sm text-muted">{t("incidents:incidentDetail.noAlertsLinkedEscalateAlerts")}</p>;
  const chosen = q.data.filter((a) => selected.has(a.alert_id));
  return (
    <div className="space-y-2">
      {editable && (
        <div className="flex items-center gap-2">
          <Button size="sm" disabled={chosen.length === 0 || chosen.length === q.data.length} onClick={() => setSplit(true)}>
            {t("incidents:incidentDetail.splitIntoANewIncident", { value: chosen.length || "" })}
          </Button>
          <span className="text-xs text-muted">{t("incidents:incidentDetail.selectAlertsToSplitThem")}</span>
        </div>
      )}
      {detach.error ? <ProblemAlert error={detach.error} /> : null}
      <div className="overflow-x-auto" data-scroll-x>
        <table className="w-full text-sm" aria-label={t("incidents:incidentDetail.linkedAlerts")}>
          <thead>
            <tr>
              {editable && <th className={cx(th, "w-8")}><span className="sr-only">{t("incidents:incidentDetail.select")}</span></th>}
              <th className={cx(th, "w-20")}>{t("incidents:incidentDetail.severity")}</th>
              <th className={th}>{t("incidents:incidentDetail.alert2")}</th>
              <th className={cx(th, "w-24")}>{t("incidents:incidentDetail.via2")}</th>
              <th className={cx(th, "w-40")}>
                <span className="sr-only">{t("incidents:incidentDetail.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((a) => (
              <Fragment key={a.alert_id}>
                <tr className="border-t border-slate-100 dark:border-slate-800" data-testid="linked-alert">
                  {editable && (
                    <td className={td}>
                      <Checkbox
                        label={t("incidents:incidentDetail.select2", { aTitle: a.title })}
                        checked={selected.has(a.alert_id)}
                        onCheckedChange={(v) =>
                          setSelected((s) => {
                            const n = new Set(s);
                            if (v) n.add(a.alert_id);
                            else n.delete(a.alert_id);
                            return n;
                          })
                        }
                      />
                    </td>
                  )}
                  <td className={td}>
                    <SeverityBadge severity={a.severity as Incident["severity"]} />
                  </td>
                  <td className={cx(td, "min-w-0")}>
                    <Link to={`/alerts/${a.alert_id}`} className="font-medium hover:underline">
                      {a.title}
                    </Link>
                    <p className="text-[11px] text-muted">
                      <span className="font-mono">{a.source_type}</span> · <Time iso={a.event_time} />
                      {(a.entities ?? []).length > 0 && (
                        <>
                          {" · "}
                          {(a.entities ?? []).slice(0, 3).map((e, i) => (
                            <span key={`${e.type}:${e.value}`}>
                              {i > 0 && ", "}
                              <Link to={entityPath(e.type, e.value)} className="underline hover:text-sky-700 dark:hover:text-sky-300" title={t("incidents:incidentDetail.entityPage", { type: e.type, value: e.value })} data-testid="incident-entity-link">
                                {e.value}
                              </Link>
                            </span>
                          ))}
                        </>
                      )}
                    </p>
                  </td>
                  <td className={cx(td, "text-xs")}>{a.provenance.via}</td>
                  <td className={cx(td, "text-right whitespace-nowrap")}>
                    <Button size="sm" variant="ghost" aria-expanded={open === a.alert_id} onClick={() => setOpen(open === a.alert_id ? null : a.alert_id)}>
                      {t("incidents:incidentDetail.whyGrouped")}
                    </Button>
                    {editable && (
                      <Button size="sm" variant="dangerGhost" aria-label={t("incidents:incidentDetail.detach", { aTitle: a.title })} disabled={detach.isPending} onClick={() => detach.mutate(a.alert_id)}>
                        {t("incidents:incidentDetail.detach2")}
                      </Button>
                    )}
                  </td>
                </tr>
                {open === a.alert_id && (
                  <tr className="bg-slate-50 dark:bg-slate-900/60">
                    <td colSpan={editable ? 5 : 4} className="px-3 py-2">
                      <WhyGrouped alert={a} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <SplitDialog open={split} onOpenChange={setSplit} incident={inc} alerts={chosen} />
    </div>
  );
}

const TASK_LABELS: Record<TaskStatus, string> = { open: "Open", in_progress: "In progress", done: "Done", cancelled: "Cancelled" };

function Tasks({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const people = useAssignees();
  const key = useOrgKey("incident-tasks", inc.id);
  const q = useQuery({ queryKey: key, queryFn: () => incidents.tasks(inc.id) });
  const [title, setTitle] = useState("");
  const done = () => void invalidateIncident(qc);
  const add = useMutation({ mutationFn: () => incidents.addTask(inc.id, title.trim()), onSuccess: () => (setTitle(""), done()) });
  const upd = useMutation({ mutationFn: ({ t, c }: { t: Task; c: Parameters<typeof incidents.updateTask>[2] }) => incidents.updateTask(inc.id, t.id, c), onSuccess: done });
  const del = useMutation({ mutationFn: (t: Task) => incidents.deleteTask(inc.id, t.id), onSuccess: done });
  const err = add.error ?? upd.error ?? del.error;
  const addErr = add.error instanceof ApiError ? add.error.fieldErrors().title : undefined;
  return (
    <div className="space-y-2">
      {q.isPending ? (
        <Spinner label={t("incidents:incidentDetail.loadingTasks")} />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">{t("incidents:incidentDetail.noTasks")}</p>
      ) : (
        <ol className="space-y-1" aria-label={t("incidents:incidentDetail.tasks")} data-testid="tasks">
          {q.data.map((task, i) => (
            <li key={task.id} className="flex flex-wrap items-center gap-2 rounded border border-slate-100 px-2 py-1 dark:border-slate-800" data-testid="task">
              <Checkbox label={t("incidents:incidentDetail.done", { tTitle: task.title })} checked={task.status === "done"} onCheckedChange={(v) => editable && upd.mutate({ t: task, c: { status: v ? "done" : "open" } })} />
              <span className={cx("min-w-0 flex-1 text-sm", (task.status === "done" || task.status === "cancelled") && "text-muted line-through")}>{task.title}</span>
              {task.assignee && <span className="text-xs text-muted">{assigneeName(task.assignee, people.data?.items)}</span>}
              {task.status !== "open" && task.status !== "done" && <span className="text-xs text-muted">{TASK_LABELS[task.status]}</span>}
              {editable && (
                <span className="flex gap-0.5">
                  <Button size="sm" variant="ghost" aria-label={t("incidents:incidentDetail.moveUp", { tTitle: task.title })} disabled={i === 0 || upd.isPending} onClick={() => upd.mutate({ t: task, c: { position: task.position - 1 } })}>
                    ↑
                  </Button>
                  <Button size="sm" variant="ghost" aria-label={t("incidents:incidentDetail.moveDown", { tTitle: task.title })} disabled={i === q.data.length - 1 || upd.isPending} onClick={() => upd.mutate({ t: task, c: { position: task.position + 1 } })}>
                    ↓
                  </Button>
                  <Button size="sm" variant="dangerGhost" aria-label={t("incidents:incidentDetail.deleteTask", { tTitle: task.title })} disabled={del.isPending} onClick={() => del.mutate(task)}>
                    ×
                  </Button>
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {editable && (
        <form
          className="flex gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim()) add.mutate();
          }}
        >
          <Input aria-label={t("incidents:incidentDetail.newTask")} aria-invalid={addErr ? true : undefined} placeholder={t("incidents:incidentDetail.newTask")} className="h-7! text-xs" value={title} onChange={(e) => setTitle(e.target.value)} />
          <Button type="submit" size="sm" disabled={!title.trim() || add.isPending}>
            {t("incidents:incidentDetail.addTask")}
          </Button>
        </form>
      )}
      {err ? <ProblemAlert error={err} /> : null}
    </div>
  );
}

function Revisions({ inc, note }: { inc: Incident; note: Note }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const q = useQuery({ queryKey: useOrgKey("note-revisions", note.id, note.revisions), queryFn: () => incidents.noteRevisions(inc.id, note.id) });
  if (q.isPending) return <Spinner label={t("incidents:incidentDetail.loadingEditHistory")} />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-xs text-muted">{t("incidents:incidentDetail.noEarlierVersions")}</p>;
  return (
    <ol className="mt-1 space-y-1 border-l-2 border-amber-500/50 pl-2" aria-label={t("incidents:incidentDetail.earlierVersions")} data-testid="note-revisions">
      {q.data.map((r, i) => (
        <li key={i} className="text-xs">
          <p className="text-muted">
            {t("incidents:incidentDetail.replacedBy", { value: fmtTime(r.edited_at), value2: actorName(r.edited_by, people.data?.items) })}
          </p>
          <NoteBody body={r.body} people={people.data?.items} />
        </li>
      ))}
    </ol>
  );
}

function NoteItem({ inc, note, mine, fresh, decisions, editable }: { inc: Incident; note: Note & { decision_at?: string; decision_by?: string }; mine: boolean; fresh?: boolean; decisions: boolean; editable: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const people = useAssignees();
  const [editing, setEditing] = useState(false);
  const [body, setBody] = useState(note.body);
  const [history, setHistory] = useState(false);
  const m = useMutation({
    mutationFn: () => incidents.editNote(inc.id, note.id, body.trim()),
    onSuccess: () => {
      setEditing(false);
      void invalidateIncident(qc);
    },
  });
  return (
    <li id={`note-${note.id}`} tabIndex={-1} className={cx("border-l-2 pl-2 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500", note.decision_at ? "border-amber-500" : "border-slate-200 dark:border-slate-700")} data-testid="note">
      <p className="text-xs text-muted">
        {actorName(note.author, people.data?.items)} · <Time iso={note.created_at} />
        {note.revisions > 0 && <>{" "}{t("incidents:incidentDetail.edited", { noteRevisions: note.revisions })}</>}
        {note.moved_from && <>{" "}{t("incidents:incidentDetail.movedInAMerge")}</>}
        {fresh && <span className="ml-1 rounded bg-sky-700 px-1 text-[10px] font-semibold text-white">{t("incidents:incidentDetail.new")}</span>}
        {note.decision_at && <DecisionBadge at={note.decision_at} by={note.decision_by} />}
      </p>
      {editing ? (
        <form
          className="space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            m.mutate();
          }}
        >
          <MentionBox label={t("incidents:incidentDetail.editNote")} value={body} onChange={setBody} members={people.data?.items ?? []} />
          <div className="flex gap-1">
            <Button type="submit" size="sm" variant="primary" disabled={!body.trim() || m.isPending}>
              {t("incidents:incidentDetail.saveNote")}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>
              {t("incidents:incidentDetail.cancel")}
            </Button>
          </div>
          {m.error ? <ProblemAlert error={m.error} /> : null}
        </form>
      ) : (
        <NoteBody body={note.body} people={people.data?.items} />
      )}
      <div className="flex flex-wrap gap-1">
        {decisions && editable && !editing && <DecisionToggle incidentId={inc.id} noteId={note.id} decision={!!note.decision_at} />}
        {mine && !editing && (
          <Button size="sm" variant="ghost" onClick={() => (setBody(note.body), setEditing(true))}>
            {t("incidents:incidentDetail.edit")}
          </Button>
        )}
        {note.revisions > 0 && (
          <Button size="sm" variant="ghost" aria-expanded={history} onClick={() => setHistory((h) => !h)}>
            {history ? t("incidents:incidentDetail.hideHistory") : t("incidents:incidentDetail.editHistory")}
          </Button>
        )}
      </div>
      {history && <Revisions inc={inc} note={note} />}
    </li>
  );
}

function Notes({ inc, editable, decisions }: { inc: Incident; editable: boolean; decisions: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { me } = useSession();
  const people = useAssignees();
  const q = useQuery({ queryKey: useOrgKey("incident-notes", inc.id), queryFn: () => incidents.notes(inc.id) });
  const [body, setBody] = useState("");
  const m = useMutation({
    mutationFn: () => incidents.addNote(inc.id, body.trim()),
    onSuccess: () => {
      setBody("");
      void invalidateIncident(qc);
    },
  });
  const myActor = me.user ? `user:${me.user.id}` : "";
  // Notes that arrived live from others since the page opened are marked new.
  const seen = useRef<Set<string> | null>(null);
  if (q.data && !seen.current) seen.current = new Set(q.data.map((n) => n.id));
  return (
    <div className="space-y-2">
      {editable && (
        <form
          className="space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) m.mutate();
          }}
        >
          <MentionBox id="note-body" label={t("incidents:incidentDetail.note")} placeholder={t("incidents:incidentDetail.addANoteMentionsA")} value={body} onChange={setBody} members={people.data?.items ?? []} />
          <Button type="submit" size="sm" disabled={!body.trim() || m.isPending}>
            {t("incidents:incidentDetail.addNote")}
          </Button>
          {m.error ? <ProblemAlert error={m.error} /> : null}
        </form>
      )}
      {q.isPending ? (
        <Spinner label={t("incidents:incidentDetail.loadingNotes")} />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">{t("incidents:incidentDetail.noNotesYet")}</p>
      ) : (
        <ol className="space-y-2" aria-label={t("incidents:incidentDetail.notes")}>
          {[...q.data].reverse().map((n) => (
            <NoteItem key={n.id} inc={inc} note={n} mine={n.author === myActor} fresh={n.author !== myActor && !seen.current?.has(n.id)} decisions={decisions} editable={editable} />
          ))}
        </ol>
      )}
    </div>
  );
}

function Timeline({ inc }: { inc: Incident }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const q = useQuery({ queryKey: useOrgKey("incident-timeline", inc.id), queryFn: () => incidents.timeline(inc.id) });
  if (q.isPending) return <Spinner label={t("incidents:incidentDetail.loadingTimeline")} />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-sm text-muted">{t("incidents:incidentDetail.noChangesYet")}</p>;
  return (
    <ol className="space-y-1 text-xs" aria-label={t("incidents:incidentDetail.timeline")} data-testid="timeline">
      {[...q.data].reverse().map((c) => (
        <li key={c.id}>
          <span className="text-muted"><Time iso={c.at} /></span> {actorName(c.actor, people.data?.items)}: <strong>{c.kind.replace(/_/g, " ")}</strong>
          {c.from || c.to ? (
            <span className="font-mono">
              {" "}
              {c.kind === "assignee" ? `${assigneeName(c.from, people.data?.items)} → ${assigneeName(c.to, people.data?.items)}` : `${c.from ?? ""}${c.from ? " → " : ""}${c.to ?? ""}`}
            </span>
          ) : null}
          {c.incident_id !== inc.id && <span className="text-muted">{" "}{t("incidents:incidentDetail.onAMergedIncident")}</span>}
        </li>
      ))}
    </ol>
  );
}

function SlaTarget({ label, t: tgt, now }: { label: string; t: NonNullable<Incident["sla"]>["acknowledge"]; now: number }) {
  const { t } = useTranslation();
  const left = tgt.due_at ? (new Date(tgt.due_at).getTime() - now) / 1000 : tgt.remaining_seconds;
  return (
    <Row label={label}>
      <span className="font-medium">{tgt.state}</span>
      {tgt.state === "met" ? (
        <span className="text-muted">{" "}{t("incidents:incidentDetail.at2", { value: fmtTime(tgt.met_at) })}</span>
      ) : tgt.state === "paused" ? (
        <span className="text-muted">{" "}{t("incidents:incidentDetail.left", { value: fmtDuration(tgt.remaining_seconds) })}</span>
      ) : (
        <span className="text-muted">
          {" "}{t("incidents:incidentDetail.due", { value: left >= 0 ? t("incidents:incidentDetail.leftShort", { value: fmtDuration(left) }) : t("incidents:incidentDetail.overdueBy", { value: fmtDuration(left) }), value2: fmtTime(tgt.due_at) })}
        </span>
      )}
      <span className="block text-[11px] text-muted">{t("incidents:incidentDetail.target", { value: fmtDuration(tgt.target_seconds) })}</span>
    </Row>
  );
}

/** SlaPanel: both SLA clocks of the incident, pause (with a reason) and resume. */
function SlaPanel({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const now = useNow();
  const [pausing, setPausing] = useState(false);
  const [reason, setReason] = useState("");
  const done = () => void invalidateIncident(qc);
  const pause = useMutation({ mutationFn: () => incidents.pauseSLA(inc.id, reason.trim()), onSuccess: () => (setPausing(false), setReason(""), done()) });
  const resume = useMutation({ mutationFn: () => incidents.resumeSLA(inc.id), onSuccess: done });
  const sla = inc.sla!;
  const err = pause.error instanceof ApiError ? pause.error.fieldErrors().reason : undefined;
  return (
    <div className="space-y-2" data-testid="sla-panel">
      <SlaBadge sla={sla} />
      <dl>
        <SlaTarget label={t("incidents:incidentDetail.acknowledge")} t={sla.acknowledge} now={now} />
        <SlaTarget label={t("incidents:incidentDetail.resolve")} t={sla.resolve} now={now} />
        <Row label={t("incidents:incidentDetail.policy")}>
          {sla.policy} <span className="text-muted">({sla.hours === "business" ? t("incidents:incidentDetail.businessHours") : "24×7"})</span>
        </Row>
        {sla.state === "paused" && <Row label={t("incidents:incidentDetail.paused")}><Time iso={sla.paused_at} />{sla.pause_reason ? ` — ${sla.pause_reason}` : ""}</Row>}
      </dl>
      {editable && sla.state !== "met" && inc.status !== "resolved" && inc.status !== "closed" && (
        sla.state === "paused" ? (
          <Button size="sm" disabled={resume.isPending} onClick={() => resume.mutate()}>
            {t("incidents:incidentDetail.resumeSla")}
          </Button>
        ) : (
          <Button size="sm" onClick={() => setPausing(true)}>
            {t("incidents:incidentDetail.pauseSla")}
          </Button>
        )
      )}
      {resume.error ? <ProblemAlert error={resume.error} /> : null}
      <Dialog open={pausing} onOpenChange={setPausing} title={t("incidents:incidentDetail.pauseTheSlaClock")} description={t("incidents:incidentDetail.theClockStopsUntilYou")}>
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            pause.mutate();
          }}
        >
          <Field id="sla-reason" label={t("incidents:incidentDetail.reasonRequired")} error={err}>
            <Input {...fieldProps("sla-reason", err)} value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t("incidents:incidentDetail.waitingForTheCustomer")} autoFocus />
          </Field>
          {pause.error && !err ? <ProblemAlert error={pause.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setPausing(false)}>
              {t("incidents:incidentDetail.cancel")}
            </Button>
            <Button type="submit" variant="primary" disabled={!reason.trim() || pause.isPending}>
              {t("incidents:incidentDetail.pause")}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

const DETAIL_KEYS: [string, string][] = [
  ["Esc / u", "Back to the incident list"],
  ["m", "Merge other incidents into this one"],
  ["n", "Write a note"],
  ["?", "This help"],
];

export function IncidentDetailPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const { can } = useSession();
  const q = useQuery({ queryKey: useOrgKey("incident", id), queryFn: () => incidents.get(id) });
  const [merge, setMerge] = useState(false);
  const [help, setHelp] = useState(false);
  const hasEvidence = useHasPath("/api/v1/incidents/{id}/evidence");
  const hasReview = useHasPath(REVIEW_PATH);
  const hasReport = useHasPath(REPORT_PATH);
  const hasPresence = useHasPath(PRESENCE_PATH);
  const hasDecisions = useHasPath(DECISIONS_PATH);
  const hasTimeline = useHasPath(TIMELINE_ITEMS_PATH);
  const live = useIncidentLive(id);
  const people = useAssignees();
  const editable = can("incidents:manage") && !!q.data && !q.data.merged_into;
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const t = e.target as HTMLElement;
      if (e.metaKey || e.ctrlKey || e.altKey || t.closest("dialog")) return;
      if (t.closest("input, textarea, select, [contenteditable=true]")) {
        if (e.key === "Escape") t.blur();
        return;
      }
      if (e.key === "Escape" || e.key === "u") {
        if (window.history.state?.idx > 0) navigate(-1);
        else navigate("/incidents");
      } else if (e.key === "m" && editable) setMerge(true);
      else if (e.key === "n" && editable) document.getElementById("note-body")?.focus();
      else if (e.key === "?") setHelp(true);
      else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate, editable]);
  if (q.isPending)
    return (
      <div className="p-4">
        <Spinner label={t("incidents:incidentDetail.loadingIncident")} />
      </div>
    );
  if (q.error && !q.data)
    return (
      <div className="space-y-3 p-4">
        <Link to="/incidents" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
          {t("incidents:incidentDetail.incidents")}
        </Link>
        <ProblemAlert error={q.error} />
      </div>
    );
  const inc = q.data!;
  return (
    <div>
      <PageHeader title={inc.title}>
        <SeverityBadge severity={inc.severity} />
        <IncidentStatusBadge status={inc.status} />
        <PriorityBadge priority={inc.priority} />
        {inc.sla && <SlaBadge sla={inc.sla} />}
      </PageHeader>
      <div className="flex flex-wrap items-center justify-between gap-2 px-4 pt-2">
        <div>
          <Link to="/incidents" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
            {t("incidents:incidentDetail.incidents")}
          </Link>
          <span className="ml-2 text-[11px] text-muted">
            <kbd>{t("incidents:incidentDetail.esc")}</kbd>{" "}{t("incidents:incidentDetail.back")}{" "}<kbd>?</kbd>{" "}{t("incidents:incidentDetail.keys")}
          </span>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {hasPresence && <PresenceAvatars incidentId={inc.id} enabled={!inc.merged_into} />}
          <LiveIndicator live={live} people={people.data?.items} />
          <Transitions inc={inc} editable={editable} />
          {editable && (
            <Button size="sm" variant="ghost" onClick={() => setMerge(true)}>
              {t("incidents:incidentDetail.merge")}
            </Button>
          )}
        </div>
      </div>
      {q.error && (
        <div className="mx-4 mt-2">
          <ProblemAlert error={q.error} />
        </div>
      )}
      {inc.merged_into && (
        <p role="status" className="mx-4 mt-2 rounded border border-amber-500/60 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/40 dark:text-amber-200">
          {t("incidents:incidentDetail.thisIncidentWasMerged")}{" "}
          <Link to={`/incidents/${inc.merged_into}`} className="underline">
            {t("incidents:incidentDetail.openTheSurvivingIncident")}
          </Link>
        </p>
      )}
      <div className="grid gap-4 p-4 xl:grid-cols-[1fr_20rem]">
        <div className="min-w-0 space-y-4">
          <Section title={t("incidents:incidentDetail.summary")}>
            <Summary inc={inc} editable={editable} />
          </Section>
          <Section title={t("incidents:incidentDetail.alerts", { incAlert_count: inc.alert_count })}>
            <Alerts inc={inc} editable={editable} />
          </Section>
          <Section title={t("incidents:incidentDetail.tasks")}>
            <Tasks inc={inc} editable={editable} />
          </Section>
          <Section title={t("incidents:incidentDetail.notes")}>
            <Notes inc={inc} editable={editable} decisions={hasDecisions} />
          </Section>
          {hasTimeline && (
            <Section title={t("incidents:incidentDetail.timeline")}>
              <WarTimeline incidentId={inc.id} editable={editable} />
            </Section>
          )}
          {hasReview && (inc.status === "resolved" || inc.status === "closed") && (
            <Section title={t("incidents:incidentDetail.postIncidentReview")}>
              <ReviewPanel inc={inc} editable={editable} />
            </Section>
          )}
        </div>
        <aside className="min-w-0 space-y-4">
          {inc.sla && (
            <Section title="SLA">
              <SlaPanel inc={inc} editable={editable} />
            </Section>
          )}
          <Section title={t("incidents:incidentDetail.people")}>
            <People inc={inc} editable={editable} />
          </Section>
          {hasReport && (
            <Section title={t("incidents:incidentDetail.report")}>
              <ReportButtons inc={inc} />
            </Section>
          )}
          {hasEvidence && (
            <Section title={t("incidents:incidentDetail.evidence")}>
              <EvidencePanel incidentId={inc.id} editable={editable} />
            </Section>
          )}
          <Section title={t("incidents:incidentDetail.tags")}>
            <Tags inc={inc} editable={editable} />
          </Section>
          <Section title="MITRE ATT&CK">
            <Attack inc={inc} editable={editable} />
          </Section>
          <Section title={t("incidents:incidentDetail.customFields")}>
            <CustomFields inc={inc} editable={editable} />
          </Section>
          {hasDecisions && (
            <Section title={t("incidents:incidentDetail.decisionLog")}>
              <DecisionLog
                incidentId={inc.id}
                onShow={(noteId) => {
                  const el = document.getElementById(`note-${noteId}`);
                  el?.scrollIntoView({ block: "center" });
                  el?.focus();
                }}
              />
            </Section>
          )}
          {!hasTimeline && (
            <Section title={t("incidents:incidentDetail.timeline")}>
              <Timeline inc={inc} />
            </Section>
          )}
        </aside>
      </div>
      <MergeDialog open={merge} onOpenChange={setMerge} survivor={inc} />
      <Dialog open={help} onOpenChange={setHelp} title={t("incidents:incidentDetail.keyboardShortcuts")} description={t("incidents:incidentDetail.keysWorkWhenNoText")}>
        <KeyTable keys={DETAIL_KEYS} />
        <div className="mt-3 text-right">
          <Button size="sm" onClick={() => setHelp(false)}>
            {t("incidents:incidentDetail.close")}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
