// One incident: summary, workflow transitions (disposition on resolve and
// close), assignee and responders, tags, ATT&CK, custom fields, alerts with
// "why grouped", tasks, notes with @mentions and edit history, timeline;
// merge and split.
import { entityPath } from "../../api/entities";
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
    <div className="flex flex-wrap items-center gap-1" role="group" aria-label="Status transitions">
      {nextStatuses(inc.status).map((s) => (
        <Button key={s} size="sm" variant={s === nextStatuses(inc.status)[0] ? "primary" : "secondary"} disabled={m.isPending} onClick={() => go(s)}>
          {transitionLabel(inc.status, s)}
        </Button>
      ))}
      {m.error && !to ? <ProblemAlert error={m.error} className="w-full" /> : null}
      <Dialog open={!!to} onOpenChange={(o) => !o && setTo(null)} title={to === "closed" ? "Close incident" : "Resolve incident"} description="Record the verdict: it feeds false-positive rates per detection rule and source.">
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
            <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">Disposition</legend>
            {DISPOSITIONS.map((d) => (
              <label key={d} className="flex items-center gap-2 text-sm">
                <input type="radio" name="disposition" value={d} checked={disposition === d} onChange={() => setDisposition(d)} />
                {DISPOSITION_LABELS[d]}
              </label>
            ))}
          </fieldset>
          {disposition === "other" && (
            <Field id="disposition-note" label="Disposition note (required)" error={fields.disposition_note}>
              <textarea {...fieldProps("disposition-note", fields.disposition_note)} className={cx(textarea, "h-16")} value={note} onChange={(e) => setNote(e.target.value)} />
            </Field>
          )}
          {m.error && !fields.disposition_note ? <ProblemAlert error={m.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setTo(null)}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" disabled={m.isPending || (disposition === "other" && !note.trim())}>
              {to === "closed" ? "Close" : "Resolve"}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}

function Summary({ inc, editable }: { inc: Incident; editable: boolean }) {
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
        <Field id="inc-title" label="Title" error={fields.title}>
          <Input {...fieldProps("inc-title", fields.title)} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} autoFocus />
        </Field>
        <Field id="inc-description" label="Description" error={fields.description}>
          <textarea {...fieldProps("inc-description", fields.description)} className={cx(textarea, "h-24")} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field id="inc-severity" label="Severity" error={fields.severity}>
            <Select {...fieldProps("inc-severity", fields.severity)} value={draft.severity} onChange={(e) => setDraft({ ...draft, severity: e.target.value as Incident["severity"] })}>
              {INCIDENT_SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          </Field>
          <Field id="inc-priority" label="Priority" error={fields.priority}>
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
            Save
          </Button>
          <Button variant="ghost" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </div>
      </form>
    );
  return (
    <div>
      {inc.description ? <p className="mb-2 text-sm whitespace-pre-wrap">{inc.description}</p> : <p className="mb-2 text-sm text-muted">No description.</p>}
      <dl>
        <Row label="Type">{inc.type || <span className="text-muted">None</span>}</Row>
        <Row label="Priority">
          <PriorityBadge priority={inc.priority} />
        </Row>
        {inc.disposition && (
          <Row label="Disposition">
            {DISPOSITION_LABELS[inc.disposition]}
            {inc.disposition_note ? ` — ${inc.disposition_note}` : ""}
          </Row>
        )}
        {inc.merged_into && (
          <Row label="Merged into">
            <Link to={`/incidents/${inc.merged_into}`} className="text-sky-700 hover:underline dark:text-sky-400">
              the surviving incident
            </Link>
          </Row>
        )}
        <Row label="Created (UTC)">
          {fmtTime(inc.created_at)} by {actorName(inc.created_by, people.data?.items)}
        </Row>
        {inc.acknowledged_at && <Row label="Acknowledged">{fmtTime(inc.acknowledged_at)}</Row>}
        {inc.resolved_at && <Row label="Resolved">{fmtTime(inc.resolved_at)}</Row>}
        {inc.closed_at && <Row label="Closed">{fmtTime(inc.closed_at)}</Row>}
        <Row label="ID">
          <span className="font-mono text-xs">{inc.id}</span>
        </Row>
      </dl>
      {editable && (
        <Button size="sm" className="mt-2" onClick={() => setEditing(true)}>
          Edit summary
        </Button>
      )}
    </div>
  );
}

function People({ inc, editable }: { inc: Incident; editable: boolean }) {
  const { me } = useSession();
  const people = useAssignees();
  const m = useUpdate(inc.id);
  const [add, setAdd] = useState("");
  const responders = inc.responders ?? [];
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  return (
    <div className="space-y-3">
      <Field id="inc-assignee" label="Assignee (saves at once)" error={fields.assignee}>
        <div className="flex gap-1">
          <AssigneeSelect {...fieldProps("inc-assignee", fields.assignee)} disabled={!editable || m.isPending} value={inc.assignee ?? ""} onChange={(v) => m.mutate({ assignee: v })} />
          <Button size="sm" className="h-8" aria-label="Assign incident to me" disabled={!editable || !me.user || inc.assignee === me.user.id} onClick={() => me.user && m.mutate({ assignee: me.user.id })}>
            Me
          </Button>
        </div>
      </Field>
      <div>
        <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">Responders</p>
        {responders.length === 0 ? (
          <p className="text-sm text-muted">No responders.</p>
        ) : (
          <ul className="flex flex-wrap gap-1" data-testid="responders">
            {responders.map((r) => (
              <li key={r} className="inline-flex items-center gap-1 rounded bg-slate-200 py-px pr-0.5 pl-1.5 text-xs dark:bg-slate-800">
                {assigneeName(r, people.data?.items)}
                {editable && (
                  <button type="button" aria-label={`Remove responder ${assigneeName(r, people.data?.items)}`} className="rounded px-1 hover:bg-slate-300 dark:hover:bg-slate-700" onClick={() => m.mutate({ responders: responders.filter((x) => x !== r) })}>
                    ×
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {editable && (
          <div className="mt-1 flex gap-1">
            <AssigneeSelect aria-label="Add responder" value={add} onChange={setAdd} />
            <Button
              size="sm"
              className="h-8"
              disabled={!add || responders.includes(add) || m.isPending}
              onClick={() => m.mutate({ responders: [...responders, add] }, { onSuccess: () => setAdd("") })}
            >
              Add
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
  const [v, setV] = useState("");
  return (
    <div className="space-y-1">
      <ul className="flex flex-wrap gap-1" aria-label={label}>
        {values.length === 0 && <li className="text-sm text-muted">None.</li>}
        {values.map((t) => (
          <li key={t} className="inline-flex items-center gap-1 rounded bg-slate-200 py-px pr-0.5 pl-1.5 font-mono text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300">
            {render ? render(t) : t}
            {editable && (
              <button type="button" aria-label={`Remove ${label.toLowerCase()} ${t}`} className="rounded px-1 hover:bg-slate-300 dark:hover:bg-slate-700" onClick={() => onRemove(t)}>
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
          <Input aria-label={`Add ${label.toLowerCase()}`} placeholder={placeholder} className="h-7! w-44 text-xs" value={v} onChange={(e) => setV(e.target.value)} />
          <Button type="submit" size="sm" disabled={!v.trim() || pending}>
            Add
          </Button>
        </form>
      )}
      {error ? <ProblemAlert error={error} /> : null}
    </div>
  );
}

function Tags({ inc, editable }: { inc: Incident; editable: boolean }) {
  const m = useUpdate(inc.id);
  return <ListEditor label="Tag" values={inc.tags ?? []} editable={editable} pending={m.isPending} error={m.error} placeholder="Add tag" onAdd={(t) => m.mutate({ add_tags: [t] })} onRemove={(t) => m.mutate({ remove_tags: [t] })} />;
}

function Attack({ inc, editable }: { inc: Incident; editable: boolean }) {
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
        <Row label="From alerts">
          {tacticsFromAlerts.length === 0 && fromAlerts.length === 0 ? (
            <span className="text-muted">No ATT&amp;CK labels on the linked alerts.</span>
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
        <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">Manual tactics</p>
        <ListEditor label="Tactic" values={manualTa} editable={editable} pending={m.isPending} placeholder="credential-access" normalize={(v) => v.toLowerCase()} onAdd={(t) => m.mutate({ manual_tactics: [...manualTa, t] })} onRemove={(t) => m.mutate({ manual_tactics: manualTa.filter((x) => x !== t) })} />
      </div>
      <div>
        <p className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">Manual techniques</p>
        <ListEditor label="Technique" values={manualT} editable={editable} pending={m.isPending} placeholder="T1059.001" normalize={(v) => v.toUpperCase()} render={techLink} onAdd={(t) => m.mutate({ manual_techniques: [...manualT, t] })} onRemove={(t) => m.mutate({ manual_techniques: manualT.filter((x) => x !== t) })} />
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
  const people = useAssignees();
  const defs = useQuery({ queryKey: useOrgKey("incident-fields"), queryFn: incidents.fields, staleTime: 60_000 });
  const m = useUpdate(inc.id);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, FieldValue>>({});
  const values = inc.custom_fields ?? {};
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  if (defs.isPending) return <Spinner label="Loading custom fields" />;
  if (defs.error) return <ProblemAlert error={defs.error} />;
  if (defs.data.length === 0) return <p className="text-sm text-muted">This organization defines no custom fields.</p>;
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
            Edit fields
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
          <Field key={d.key} id={id} label={d.label + (d.required ? " (required)" : "")} error={err}>
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
          Save fields
        </Button>
        <Button variant="ghost" onClick={() => setEditing(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function ExplanationView({ e }: { e: Explanation }) {
  return (
    <div className="space-y-1 text-xs" data-testid="why-grouped">
      <p>{e.summary}</p>
      <dl>
        <Row label="Rule">
          <Link to={`/correlation/rules?rule=${encodeURIComponent(e.rule)}`} className="font-mono text-sky-700 hover:underline dark:text-sky-400">
            {e.rule}
          </Link>{" "}
          v{e.rule_version}
        </Row>
        <Row label="Group key">
          <span className="font-mono">{e.group_key}</span>
        </Row>
        {(e.shared_entities ?? []).length > 0 && (
          <Row label="Shared entities">
            <span className="font-mono">{(e.shared_entities ?? []).map((x) => `${x.type}:${x.value}`).join(", ")}</span>
          </Row>
        )}
        {(e.ignored_entities ?? []).length > 0 && (
          <Row label="Ignored (too common)">
            <span className="font-mono">{(e.ignored_entities ?? []).map((x) => `${x.type}:${x.value}`).join(", ")}</span>
          </Row>
        )}
        <Row label="Window (UTC)">
          {fmtTime(e.window_start)} – {fmtTime(e.window_end)}
        </Row>
        <Row label="Score">
          {e.score.toFixed(2)}
          {(e.score_parts ?? []).length > 0 && <span className="text-muted"> = {(e.score_parts ?? []).map((p) => `${p.name} ${p.value.toFixed(2)}×${p.weight}`).join(" + ")}</span>}
        </Row>
      </dl>
    </div>
  );
}

/** WhyGrouped shows an alert's groupings (GET /alerts/{id}/groupings), loaded on demand. */
function WhyGrouped({ alert }: { alert: LinkedAlert }) {
  const q = useQuery({ queryKey: useOrgKey("groupings", alert.alert_id), queryFn: () => correlation.groupings(alert.alert_id) });
  if (q.isPending) return <Spinner label="Loading groupings" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  const own = alert.provenance.explanation;
  return (
    <div className="space-y-2">
      <p className="text-xs">
        Added by <span className="font-mono">{alert.added_by}</span> via <strong>{alert.provenance.via}</strong> at {fmtTime(alert.added_at)}
        {alert.provenance.from ? " (moved from another incident)" : ""}.
      </p>
      {own && <ExplanationView e={own} />}
      {q.data.length === 0 ? (
        !own && <p className="text-xs text-muted">No correlation rule grouped this alert.</p>
      ) : (
        <div>
          <p className="text-[11px] font-semibold text-muted uppercase">Correlation groups of this alert ({q.data.length})</p>
          <ul className="space-y-2">
            {q.data.map((g) => (
              <li key={g.group_id} className="border-l-2 border-slate-300 pl-2 dark:border-slate-700">
                {g.explanation ? (
                  <ExplanationView e={g.explanation} />
                ) : (
                  <p className="text-xs">
                    Rule <span className="font-mono">{g.rule}</span> v{g.rule_version}, group <span className="font-mono">{g.group_key}</span>: {g.alerts} alert{g.alerts === 1 ? "" : "s"}, below the rule's gates (no incident).
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
  const qc = useQueryClient();
  const q = useQuery({ queryKey: useOrgKey("incident-alerts", inc.id), queryFn: () => incidents.alerts(inc.id) });
  const [open, setOpen] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [split, setSplit] = useState(false);
  const detach = useMutation({
    mutationFn: (alertId: string) => incidents.detach(inc.id, alertId),
    onSuccess: () => void invalidateIncident(qc),
  });
  if (q.isPending) return <Spinner label="Loading alerts" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-sm text-muted">No alerts linked. Escalate alerts from the alert list to add them.</p>;
  const chosen = q.data.filter((a) => selected.has(a.alert_id));
  return (
    <div className="space-y-2">
      {editable && (
        <div className="flex items-center gap-2">
          <Button size="sm" disabled={chosen.length === 0 || chosen.length === q.data.length} onClick={() => setSplit(true)}>
            Split {chosen.length || ""} into a new incident
          </Button>
          <span className="text-xs text-muted">Select alerts to split them off.</span>
        </div>
      )}
      {detach.error ? <ProblemAlert error={detach.error} /> : null}
      <div className="overflow-x-auto" data-scroll-x>
        <table className="w-full text-sm" aria-label="Linked alerts">
          <thead>
            <tr>
              {editable && <th className={cx(th, "w-8")}><span className="sr-only">Select</span></th>}
              <th className={cx(th, "w-20")}>Severity</th>
              <th className={th}>Alert</th>
              <th className={cx(th, "w-24")}>Via</th>
              <th className={cx(th, "w-40")}>
                <span className="sr-only">Actions</span>
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
                        label={`Select ${a.title}`}
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
                      <span className="font-mono">{a.source_type}</span> · {fmtTime(a.event_time)}
                      {(a.entities ?? []).length > 0 && (
                        <>
                          {" · "}
                          {(a.entities ?? []).slice(0, 3).map((e, i) => (
                            <span key={`${e.type}:${e.value}`}>
                              {i > 0 && ", "}
                              <Link to={entityPath(e.type, e.value)} className="underline hover:text-sky-700 dark:hover:text-sky-300" title={`Entity page of ${e.type} ${e.value}`} data-testid="incident-entity-link">
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
                      Why grouped
                    </Button>
                    {editable && (
                      <Button size="sm" variant="dangerGhost" aria-label={`Detach ${a.title}`} disabled={detach.isPending} onClick={() => detach.mutate(a.alert_id)}>
                        Detach
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
        <Spinner label="Loading tasks" />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">No tasks.</p>
      ) : (
        <ol className="space-y-1" aria-label="Tasks" data-testid="tasks">
          {q.data.map((t, i) => (
            <li key={t.id} className="flex flex-wrap items-center gap-2 rounded border border-slate-100 px-2 py-1 dark:border-slate-800" data-testid="task">
              <Checkbox label={`Done: ${t.title}`} checked={t.status === "done"} onCheckedChange={(v) => editable && upd.mutate({ t, c: { status: v ? "done" : "open" } })} />
              <span className={cx("min-w-0 flex-1 text-sm", (t.status === "done" || t.status === "cancelled") && "text-muted line-through")}>{t.title}</span>
              {t.assignee && <span className="text-xs text-muted">{assigneeName(t.assignee, people.data?.items)}</span>}
              {t.status !== "open" && t.status !== "done" && <span className="text-xs text-muted">{TASK_LABELS[t.status]}</span>}
              {editable && (
                <span className="flex gap-0.5">
                  <Button size="sm" variant="ghost" aria-label={`Move up: ${t.title}`} disabled={i === 0 || upd.isPending} onClick={() => upd.mutate({ t, c: { position: t.position - 1 } })}>
                    ↑
                  </Button>
                  <Button size="sm" variant="ghost" aria-label={`Move down: ${t.title}`} disabled={i === q.data.length - 1 || upd.isPending} onClick={() => upd.mutate({ t, c: { position: t.position + 1 } })}>
                    ↓
                  </Button>
                  <Button size="sm" variant="dangerGhost" aria-label={`Delete task: ${t.title}`} disabled={del.isPending} onClick={() => del.mutate(t)}>
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
          <Input aria-label="New task" aria-invalid={addErr ? true : undefined} placeholder="New task" className="h-7! text-xs" value={title} onChange={(e) => setTitle(e.target.value)} />
          <Button type="submit" size="sm" disabled={!title.trim() || add.isPending}>
            Add task
          </Button>
        </form>
      )}
      {err ? <ProblemAlert error={err} /> : null}
    </div>
  );
}

function Revisions({ inc, note }: { inc: Incident; note: Note }) {
  const people = useAssignees();
  const q = useQuery({ queryKey: useOrgKey("note-revisions", note.id, note.revisions), queryFn: () => incidents.noteRevisions(inc.id, note.id) });
  if (q.isPending) return <Spinner label="Loading edit history" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-xs text-muted">No earlier versions.</p>;
  return (
    <ol className="mt-1 space-y-1 border-l-2 border-amber-500/50 pl-2" aria-label="Earlier versions" data-testid="note-revisions">
      {q.data.map((r, i) => (
        <li key={i} className="text-xs">
          <p className="text-muted">
            replaced {fmtTime(r.edited_at)} by {actorName(r.edited_by, people.data?.items)}
          </p>
          <NoteBody body={r.body} people={people.data?.items} />
        </li>
      ))}
    </ol>
  );
}

function NoteItem({ inc, note, mine, fresh, decisions, editable }: { inc: Incident; note: Note & { decision_at?: string; decision_by?: string }; mine: boolean; fresh?: boolean; decisions: boolean; editable: boolean }) {
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
        {actorName(note.author, people.data?.items)} · {fmtTime(note.created_at)}
        {note.revisions > 0 && <> · edited {note.revisions}×</>}
        {note.moved_from && <> · moved in a merge</>}
        {fresh && <span className="ml-1 rounded bg-sky-700 px-1 text-[10px] font-semibold text-white">NEW</span>}
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
          <MentionBox label="Edit note" value={body} onChange={setBody} members={people.data?.items ?? []} />
          <div className="flex gap-1">
            <Button type="submit" size="sm" variant="primary" disabled={!body.trim() || m.isPending}>
              Save note
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>
              Cancel
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
            Edit
          </Button>
        )}
        {note.revisions > 0 && (
          <Button size="sm" variant="ghost" aria-expanded={history} onClick={() => setHistory((h) => !h)}>
            {history ? "Hide history" : "Edit history"}
          </Button>
        )}
      </div>
      {history && <Revisions inc={inc} note={note} />}
    </li>
  );
}

function Notes({ inc, editable, decisions }: { inc: Incident; editable: boolean; decisions: boolean }) {
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
          <MentionBox id="note-body" label="Note" placeholder="Add a note; @ mentions a member" value={body} onChange={setBody} members={people.data?.items ?? []} />
          <Button type="submit" size="sm" disabled={!body.trim() || m.isPending}>
            Add note
          </Button>
          {m.error ? <ProblemAlert error={m.error} /> : null}
        </form>
      )}
      {q.isPending ? (
        <Spinner label="Loading notes" />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">No notes yet.</p>
      ) : (
        <ol className="space-y-2" aria-label="Notes">
          {[...q.data].reverse().map((n) => (
            <NoteItem key={n.id} inc={inc} note={n} mine={n.author === myActor} fresh={n.author !== myActor && !seen.current?.has(n.id)} decisions={decisions} editable={editable} />
          ))}
        </ol>
      )}
    </div>
  );
}

function Timeline({ inc }: { inc: Incident }) {
  const people = useAssignees();
  const q = useQuery({ queryKey: useOrgKey("incident-timeline", inc.id), queryFn: () => incidents.timeline(inc.id) });
  if (q.isPending) return <Spinner label="Loading timeline" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.length === 0) return <p className="text-sm text-muted">No changes yet.</p>;
  return (
    <ol className="space-y-1 text-xs" aria-label="Timeline" data-testid="timeline">
      {[...q.data].reverse().map((c) => (
        <li key={c.id}>
          <span className="text-muted">{fmtTime(c.at)}</span> {actorName(c.actor, people.data?.items)}: <strong>{c.kind.replace(/_/g, " ")}</strong>
          {c.from || c.to ? (
            <span className="font-mono">
              {" "}
              {c.kind === "assignee" ? `${assigneeName(c.from, people.data?.items)} → ${assigneeName(c.to, people.data?.items)}` : `${c.from ?? ""}${c.from ? " → " : ""}${c.to ?? ""}`}
            </span>
          ) : null}
          {c.incident_id !== inc.id && <span className="text-muted"> (on a merged incident)</span>}
        </li>
      ))}
    </ol>
  );
}

function SlaTarget({ label, t, now }: { label: string; t: NonNullable<Incident["sla"]>["acknowledge"]; now: number }) {
  const left = t.due_at ? (new Date(t.due_at).getTime() - now) / 1000 : t.remaining_seconds;
  return (
    <Row label={label}>
      <span className="font-medium">{t.state}</span>
      {t.state === "met" ? (
        <span className="text-muted"> at {fmtTime(t.met_at)}</span>
      ) : t.state === "paused" ? (
        <span className="text-muted"> · {fmtDuration(t.remaining_seconds)} left</span>
      ) : (
        <span className="text-muted">
          {" "}
          · {left >= 0 ? `${fmtDuration(left)} left` : `overdue by ${fmtDuration(left)}`} (due {fmtTime(t.due_at)})
        </span>
      )}
      <span className="block text-[11px] text-muted">target {fmtDuration(t.target_seconds)}</span>
    </Row>
  );
}

/** SlaPanel: both SLA clocks of the incident, pause (with a reason) and resume. */
function SlaPanel({ inc, editable }: { inc: Incident; editable: boolean }) {
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
        <SlaTarget label="Acknowledge" t={sla.acknowledge} now={now} />
        <SlaTarget label="Resolve" t={sla.resolve} now={now} />
        <Row label="Policy">
          {sla.policy} <span className="text-muted">({sla.hours === "business" ? "business hours" : "24×7"})</span>
        </Row>
        {sla.state === "paused" && <Row label="Paused">{fmtTime(sla.paused_at)}{sla.pause_reason ? ` — ${sla.pause_reason}` : ""}</Row>}
      </dl>
      {editable && sla.state !== "met" && inc.status !== "resolved" && inc.status !== "closed" && (
        sla.state === "paused" ? (
          <Button size="sm" disabled={resume.isPending} onClick={() => resume.mutate()}>
            Resume SLA
          </Button>
        ) : (
          <Button size="sm" onClick={() => setPausing(true)}>
            Pause SLA…
          </Button>
        )
      )}
      {resume.error ? <ProblemAlert error={resume.error} /> : null}
      <Dialog open={pausing} onOpenChange={setPausing} title="Pause the SLA clock" description="The clock stops until you resume it; the reason goes into the timeline.">
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            pause.mutate();
          }}
        >
          <Field id="sla-reason" label="Reason (required)" error={err}>
            <Input {...fieldProps("sla-reason", err)} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="waiting for the customer" autoFocus />
          </Field>
          {pause.error && !err ? <ProblemAlert error={pause.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setPausing(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" disabled={!reason.trim() || pause.isPending}>
              Pause
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
        <Spinner label="Loading incident" />
      </div>
    );
  if (q.error && !q.data)
    return (
      <div className="space-y-3 p-4">
        <Link to="/incidents" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
          ← Incidents
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
            ← Incidents
          </Link>
          <span className="ml-2 text-[11px] text-muted">
            <kbd>Esc</kbd> back · <kbd>?</kbd> keys
          </span>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {hasPresence && <PresenceAvatars incidentId={inc.id} enabled={!inc.merged_into} />}
          <LiveIndicator live={live} people={people.data?.items} />
          <Transitions inc={inc} editable={editable} />
          {editable && (
            <Button size="sm" variant="ghost" onClick={() => setMerge(true)}>
              Merge…
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
          This incident was merged.{" "}
          <Link to={`/incidents/${inc.merged_into}`} className="underline">
            Open the surviving incident
          </Link>
        </p>
      )}
      <div className="grid gap-4 p-4 xl:grid-cols-[1fr_20rem]">
        <div className="min-w-0 space-y-4">
          <Section title="Summary">
            <Summary inc={inc} editable={editable} />
          </Section>
          <Section title={`Alerts (${inc.alert_count})`}>
            <Alerts inc={inc} editable={editable} />
          </Section>
          <Section title="Tasks">
            <Tasks inc={inc} editable={editable} />
          </Section>
          <Section title="Notes">
            <Notes inc={inc} editable={editable} decisions={hasDecisions} />
          </Section>
          {hasTimeline && (
            <Section title="Timeline">
              <WarTimeline incidentId={inc.id} editable={editable} />
            </Section>
          )}
          {hasReview && (inc.status === "resolved" || inc.status === "closed") && (
            <Section title="Post-incident review">
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
          <Section title="People">
            <People inc={inc} editable={editable} />
          </Section>
          {hasReport && (
            <Section title="Report">
              <ReportButtons inc={inc} />
            </Section>
          )}
          {hasEvidence && (
            <Section title="Evidence">
              <EvidencePanel incidentId={inc.id} editable={editable} />
            </Section>
          )}
          <Section title="Tags">
            <Tags inc={inc} editable={editable} />
          </Section>
          <Section title="MITRE ATT&CK">
            <Attack inc={inc} editable={editable} />
          </Section>
          <Section title="Custom fields">
            <CustomFields inc={inc} editable={editable} />
          </Section>
          {hasDecisions && (
            <Section title="Decision log">
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
            <Section title="Timeline">
              <Timeline inc={inc} />
            </Section>
          )}
        </aside>
      </div>
      <MergeDialog open={merge} onOpenChange={setMerge} survivor={inc} />
      <Dialog open={help} onOpenChange={setHelp} title="Keyboard shortcuts" description="Keys work when no text field has the focus.">
        <KeyTable keys={DETAIL_KEYS} />
        <div className="mt-3 text-right">
          <Button size="sm" onClick={() => setHelp(false)}>
            Close
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
