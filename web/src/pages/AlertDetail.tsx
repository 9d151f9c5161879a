import { useTranslation } from "react-i18next";
import i18n from "../i18n";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { alerts, needsReason, type Activity, type AlertPatch } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { STATUSES, severityOf, type Alert, type AlertStatus, type Assignee } from "../api/types";
import { useOrgKey, useSession } from "../auth/session";
import { Button, CopyButton, Field, Input, PageHeader, ProblemAlert, Section, Select, SeverityBadge, Spinner, StatusBadge, fieldProps, td, th } from "../components/ui";
import { Dialog } from "../components/Dialog";
import { AssigneeSelect } from "./AssigneeSelect";
import { assigneeName, useAssignees } from "./assignees";
import { incidents } from "../api/endpoints";
import { entityPath } from "../api/entities";
import { EscalateDialog } from "./incidents/dialogs";
import { Time } from "../components/Time";

/** attackURL links an ATT&CK technique id (T1059.001) to its MITRE page. */
export function attackURL(id: string): string | null {
  const m = /^T(\d{4})(?:\.(\d{3}))?$/.exec(id.trim().toUpperCase());
  if (!m) return null;
  return `https://attack.mitre.org/techniques/T${m[1]}/${m[2] ? `${m[2]}/` : ""}`;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_1fr] gap-2 py-0.5">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="min-w-0 text-sm break-words">{children}</dd>
    </div>
  );
}

function RawViewer({ value }: { value: unknown }) {
  const { t } = useTranslation();
  const [wrap, setWrap] = useState(false);
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return (
    <div>
      <div className="mb-2 flex gap-2">
        <CopyButton text={text} label={t("alerts:detail.copyRaw")} />
        <Button size="sm" variant="ghost" onClick={() => setWrap((w) => !w)} aria-pressed={wrap}>
          {wrap ? t("alerts:detail.noWrap") : t("alerts:detail.wrapLines")}
        </Button>
        <span className="self-center text-xs text-muted">{t("alerts:detail.bytes", { value: new Blob([text]).size.toLocaleString() })}</span>
      </div>
      <pre
        tabIndex={0}
        data-testid="raw-payload"
        className={`max-h-[28rem] overflow-auto rounded bg-slate-100 p-3 font-mono text-xs leading-relaxed text-slate-800 dark:bg-slate-900 dark:text-slate-300 ${wrap ? "break-all whitespace-pre-wrap" : ""}`}
      >
        {text}
      </pre>
    </div>
  );
}

function TagEditor({ alert }: { alert: Alert }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { can } = useSession();
  const [tag, setTag] = useState("");
  // Tags save at once; a removed tag can be put back with Undo.
  const [removed, setRemoved] = useState<string | null>(null);
  const m = useMutation({
    mutationFn: (patch: AlertPatch) => alerts.update(alert.id, patch),
    onSuccess: (_, patch) => {
      setTag("");
      setRemoved(patch.remove_tags?.[0] ?? null);
      void qc.invalidateQueries({ queryKey: ["org"] });
    },
  });
  const tags = alert.tags ?? [];
  const editable = can("alerts:write");
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const tagErr = Object.entries(fields).find(([k]) => k.startsWith("add_tags") || k.startsWith("remove_tags"))?.[1];
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-1">
        {tags.length === 0 && <span className="text-sm text-muted">{t("alerts:detail.noTags")}</span>}
        {tags.map((tg) => (
          <span key={tg} className="inline-flex items-center gap-1 rounded bg-slate-200 py-px pr-0.5 pl-1.5 font-mono text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300">
            {tg}
            {editable && (
              <button type="button" aria-label={t("alerts:detail.removeTag", { tag: tg })} className="rounded px-1 hover:bg-slate-300 dark:hover:bg-slate-700" onClick={() => m.mutate({ remove_tags: [tg] })}>
                ×
              </button>
            )}
          </span>
        ))}
      </div>
      {editable && (
        <form
          className="flex gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (tag.trim()) m.mutate({ add_tags: [tag.trim()] });
          }}
        >
          <Input aria-label={t("alerts:detail.addTag")} aria-invalid={tagErr ? true : undefined} placeholder={t("alerts:detail.addTag")} className="h-7! w-40 text-xs" value={tag} onChange={(e) => setTag(e.target.value)} />
          <Button type="submit" size="sm" disabled={!tag.trim() || m.isPending}>
            {t("alerts:detail.add")}
          </Button>
        </form>
      )}
      {removed && (
        <p role="status" className="flex items-center gap-2 text-xs">
          {t("alerts:detail.removedTag", { tag: removed })}
          <Button size="sm" variant="ghost" onClick={() => m.mutate({ add_tags: [removed] })}>
            {t("alerts:detail.undo")}
          </Button>
        </p>
      )}
      {editable && <p className="text-[11px] text-muted">{t("alerts:detail.tagChangesSaveAtOnce")}</p>}
      {tagErr ? <p className="text-xs text-red-700 dark:text-red-400">{tagErr}</p> : m.error ? <ProblemAlert error={m.error} /> : null}
    </div>
  );
}

function Triage({ alert, onDirty }: { alert: Alert; onDirty: (dirty: boolean) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { me, can } = useSession();
  const [status, setStatus] = useState<AlertStatus>(alert.status);
  const [assignee, setAssignee] = useState(alert.assignee ?? "");
  const [reason, setReason] = useState("");
  useEffect(() => {
    setStatus(alert.status);
    setAssignee(alert.assignee ?? "");
  }, [alert.status, alert.assignee]);
  const m = useMutation({
    mutationFn: (patch: AlertPatch) => alerts.update(alert.id, patch),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["org"] }),
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const editable = can("alerts:write");
  const dirty = status !== alert.status || (assignee || null) !== (alert.assignee ?? null);
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const patch: AlertPatch = {};
        if (status !== alert.status) patch.status = status;
        if (status !== alert.status && needsReason(status)) patch.reason = reason.trim();
        if ((assignee || null) !== (alert.assignee ?? null)) patch.assignee = assignee;
        m.mutate(patch);
      }}
    >
      <Field id="status" label={t("alerts:detail.status")} error={fields.status}>
        <Select {...fieldProps("status", fields.status)} disabled={!editable} value={status} onChange={(e) => setStatus(e.target.value as AlertStatus)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`common:status.${s}`)}
            </option>
          ))}
        </Select>
      </Field>
      {status !== alert.status && needsReason(status) && (
        <Field id="reason" label={t("alerts:detail.closureReasonRequired")} error={fields.reason}>
          <textarea
            {...fieldProps("reason", fields.reason)}
            className="h-16 w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder={t("alerts:detail.eGBenignAdminActivity")}
          />
        </Field>
      )}
      <Field id="assignee" label={t("alerts:detail.assignee")} error={fields.assignee}>
        <div className="flex gap-1">
          <AssigneeSelect {...fieldProps("assignee", fields.assignee)} disabled={!editable} value={assignee} onChange={setAssignee} />
          <Button size="sm" className="h-8" aria-label={t("alerts:detail.assignToMe")} disabled={!editable || !me.user || assignee === me.user.id} onClick={() => me.user && setAssignee(me.user.id)}>
            {t("alerts:detail.me")}
          </Button>
        </div>
      </Field>
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
      {dirty && editable ? (
        <p className="text-xs text-amber-700 dark:text-amber-400" data-testid="unsaved">
          {t("alerts:detail.unsavedChanges")}
        </p>
      ) : null}
      {m.isSuccess && !dirty ? (
        <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
          {t("alerts:detail.saved")}
        </p>
      ) : null}
      {editable ? (
        <Button type="submit" variant="primary" disabled={!dirty || m.isPending || (status !== alert.status && needsReason(status) && !reason.trim())}>
          {m.isPending ? t("alerts:detail.saving") : t("alerts:detail.saveChanges")}
        </Button>
      ) : (
        <p className="text-xs text-muted">{t("alerts:detail.youNeedAlertsWriteTo")}</p>
      )}
    </form>
  );
}

export function AlertDetailPage() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  // Unsaved status or assignee changes are never lost silently: leaving
  // with Esc, u or the back link asks first, and a reload warns.
  const dirty = useRef(false);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [escalate, setEscalate] = useState(false);
  const { can } = useSession();
  const canEscalate = can("incidents:manage");
  const onDirty = useCallback((d: boolean) => {
    dirty.current = d;
  }, []);
  const leave = useCallback(() => {
    if (window.history.state?.idx > 0) navigate(-1);
    else navigate("/alerts");
  }, [navigate]);
  const requestLeave = useCallback(() => {
    if (dirty.current) setConfirmLeave(true);
    else leave();
  }, [leave]);
  // Escape or u goes back to the list (keeping its filters when we came from it).
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const t = e.target as HTMLElement;
      if (e.metaKey || e.ctrlKey || e.altKey || t.closest("dialog")) return;
      if (t.closest("input, textarea, select, [contenteditable=true]")) {
        // The first Esc leaves the field, the next one the page.
        if (e.key === "Escape") (t as HTMLElement).blur();
        return;
      }
      if (e.key === "Escape" || e.key === "u") {
        e.preventDefault();
        requestLeave();
      } else if (e.key === "e" && canEscalate) {
        e.preventDefault();
        setEscalate(true);
      } else if (e.key === "s" || e.key === "a") {
        // s / a: to the status or assignee field (saved with Save changes).
        const el = document.getElementById(e.key === "s" ? "status" : "assignee");
        if (el instanceof HTMLSelectElement && !el.disabled) {
          e.preventDefault();
          el.focus();
        }
      }
    }
    function onUnload(e: BeforeUnloadEvent) {
      if (dirty.current) e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    window.addEventListener("beforeunload", onUnload);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("beforeunload", onUnload);
    };
  }, [requestLeave, canEscalate]);
  const q = useQuery({ queryKey: useOrgKey("alert", id), queryFn: () => alerts.get(id) });
  if (q.isPending)
    return (
      <div className="p-4">
        <Spinner label={t("alerts:detail.loadingAlert")} />
      </div>
    );
  if (q.error)
    return (
      <div className="space-y-3 p-4">
        <Link to="/alerts" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
          {t("alerts:detail.alerts")}
        </Link>
        <ProblemAlert error={q.error} />
      </div>
    );
  const a = q.data;
  return (
    <>
      <AlertView a={a} onDirty={onDirty} onBack={requestLeave} onEscalate={canEscalate ? () => setEscalate(true) : undefined} />
      <EscalateDialog open={escalate} onOpenChange={setEscalate} alertIds={[a.id]} defaultTitle={a.title} />
      <Dialog open={confirmLeave} onOpenChange={setConfirmLeave} title={t("alerts:detail.discardUnsavedChanges")} description={t("alerts:detail.theStatusOrAssigneeYou")}>
        <div className="flex justify-end gap-2">
          <Button variant="primary" onClick={() => setConfirmLeave(false)} autoFocus>
            {t("alerts:detail.keepEditing")}
          </Button>
          <Button
            variant="dangerGhost"
            onClick={() => {
              dirty.current = false;
              setConfirmLeave(false);
              leave();
            }}
          >
            {t("alerts:detail.discardChanges")}
          </Button>
        </div>
      </Dialog>
    </>
  );
}

function AlertView({ a, onDirty, onBack, onEscalate }: { a: Alert; onDirty: (d: boolean) => void; onBack: () => void; onEscalate?: () => void }) {
  const { t } = useTranslation();
  const people = useAssignees();
  const { can } = useSession();
  return (
    <div>
      <PageHeader title={a.title}>
        <SeverityBadge severity={severityOf(a)} />
        <StatusBadge status={a.status} />
      </PageHeader>
      <div className="px-4 pt-2">
        <Link
          to="/alerts"
          className="text-xs text-sky-700 hover:underline dark:text-sky-400"
          onClick={(e) => {
            e.preventDefault();
            onBack();
          }}
        >
          {t("alerts:detail.backToAlerts")}
        </Link>
        <span className="ml-2 text-[11px] text-muted">
          <kbd>{t("alerts:detail.esc")}</kbd>{" "}{t("alerts:detail.back")} · <kbd>s</kbd>{" "}{t("triage:statusWord")} · <kbd>a</kbd>{" "}{t("triage:assigneeWord")}{onEscalate ? <> · <kbd>e</kbd>{" "}{t("alerts:detail.escalate")}</> : null}
        </span>
      </div>
      <div className="grid gap-4 p-4 lg:grid-cols-[1fr_18rem]">
        <div className="min-w-0 space-y-4">
          <Section title={t("alerts:detail.details")}>
            {a.description && <p className="mb-3 text-sm whitespace-pre-wrap">{a.description}</p>}
            <dl>
              <Row label="ID">
                <span className="font-mono text-xs">{a.id}</span>
              </Row>
              <Row label={t("alerts:detail.assignee")}>
                <span data-testid="assignee-name" className={a.assignee ? undefined : "text-muted"}>
                  {assigneeName(a.assignee, people.data?.items)}
                </span>
              </Row>
              <Row label={t("alerts:detail.eventTimeUtc")}><Time iso={a.event_time} /></Row>
              <Row label={t("alerts:detail.receivedUtc")}><Time iso={a.received_time} /></Row>
              <Row label={t("alerts:detail.source")}>
                <span className="font-mono text-xs">{a.source?.type}</span> {a.source?.vendor} {a.source?.product}
                {a.source_ref ? <span className="ml-2 font-mono text-xs text-muted">{t("alerts:detail.ref", { aSource_ref: a.source_ref })}</span> : null}
              </Row>
              {(a.rule?.id || a.rule?.name) && (
                <Row label={t("alerts:detail.rule")}>
                  {a.rule?.name} {a.rule?.id && <span className="font-mono text-xs text-muted">{a.rule.id}</span>}
                </Row>
              )}
              <Row label={t("alerts:detail.occurrences")}>
                {a.count ?? 1}{" "}{t("alerts:detail.events")}{" "}<Time iso={a.event_time} />
                {a.last_event_time && a.last_event_time !== a.event_time ? <> – <Time iso={a.last_event_time} /></> : null}
                <span className="ml-2 text-xs text-muted">
                  {t("alerts:detail.received")}{" "}<Time iso={a.first_seen} />
                  {a.last_seen && a.last_seen !== a.first_seen ? <> – <Time iso={a.last_seen} /></> : null}
                </span>
              </Row>
              {a.quality !== undefined && <Row label={t("alerts:detail.fieldQuality")}>{Math.round(a.quality * 100)}%</Row>}
              {a.fingerprint && (
                <Row label={t("alerts:detail.fingerprint")}>
                  <span className="font-mono text-xs">{a.fingerprint}</span>
                </Row>
              )}
            </dl>
          </Section>
          <Section title="MITRE ATT&CK">
            {(a.techniques ?? []).length === 0 && (a.tactics ?? []).length === 0 ? (
              <p className="text-sm text-muted">{t("alerts:detail.noTechniquesMapped")}</p>
            ) : (
              <>
                <dl>
                  <Row label={t("alerts:detail.tactics")}>
                    {(a.attack?.tactics ?? []).length === 0 ? (
                      <span className="text-muted">{t("alerts:detail.noneNamedByTheSource")}</span>
                    ) : (
                      <ul className="flex flex-wrap gap-x-3 gap-y-1" data-testid="alert-tactics">
                        {(a.attack?.tactics ?? []).map((t) => (
                          <li key={t.short_name}>
                            {t.name}
                            {t.id && <span className="ml-1 font-mono text-xs text-muted">{t.id}</span>}
                          </li>
                        ))}
                      </ul>
                    )}
                  </Row>
                  <Row label={t("alerts:detail.techniques")}>
                    <ul className="space-y-0.5" data-testid="alert-techniques">
                      {(a.attack?.techniques ?? (a.techniques ?? []).map((id) => ({ id, name: id }))).map((tq) => {
                        const url = attackURL(tq.id);
                        return (
                          <li key={tq.id}>
                            <Link to={`/alerts?technique=${encodeURIComponent(tq.id)}`} className="font-mono text-xs text-sky-700 hover:underline dark:text-sky-400" title={t("alerts:detail.alertsWith", { tId: tq.id })}>
                              {tq.id}
                            </Link>
                            {tq.name !== tq.id && <span className="ml-2">{tq.name}</span>}
                            {url && (
                              <a href={url} target="_blank" rel="noreferrer noopener" className="ml-2 text-xs text-muted hover:underline">
                                {t("alerts:detail.mitre")}
                              </a>
                            )}
                          </li>
                        );
                      })}
                    </ul>
                  </Row>
                </dl>
                {a.attack?.attribution && <p className="mt-2 text-[11px] text-muted">{a.attack.attribution}</p>}
              </>
            )}
          </Section>
          <Section title={t("alerts:detail.entities", { value: a.entities?.length ?? 0 })}>
            {(a.entities ?? []).length === 0 ? (
              <p className="text-sm text-muted">{t("alerts:detail.noEntitiesExtracted")}</p>
            ) : (
              <table className="w-full text-sm">
                <thead>
                  <tr>
                    <th className={th}>{t("alerts:detail.type")}</th>
                    <th className={th}>{t("alerts:detail.value")}</th>
                    <th className={th}>{t("alerts:detail.role")}</th>
                  </tr>
                </thead>
                <tbody>
                  {(a.entities ?? []).map((e) => (
                    <tr key={`${e.type}:${e.value}:${e.role}`} className="border-t border-slate-100 dark:border-slate-800">
                      <td className={td}>{e.type}</td>
                      <td className={`${td} font-mono text-xs break-all`}>
                        <Link to={entityPath(e.type, e.value)} className="text-sky-700 hover:underline dark:text-sky-400" title={t("triage:entityPageTitle")} data-testid="entity-link">
                          {e.value}
                        </Link>{" "}
                        <Link to={`/alerts?entity=${encodeURIComponent(`${e.type}:${e.value}`)}`} className="font-sans text-[11px] text-muted underline" aria-label={t("alerts:list.alertsWith", { eType: e.type, eValue: e.value })}>
                          {t("triage:alertsWord")}
                        </Link>
                      </td>
                      <td className={td}>{e.role ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          {a.unmapped && Object.keys(a.unmapped).length > 0 && (
            <Section title={t("alerts:detail.unmappedFields")}>
              <RawViewer value={a.unmapped} />
            </Section>
          )}
          <Section title={t("alerts:detail.rawPayload")}>{a.raw === undefined || a.raw === null ? <p className="text-sm text-muted">{t("alerts:detail.noRawPayloadKept")}</p> : <RawViewer value={a.raw} />}</Section>
        </div>
        <aside className="space-y-4">
          {can("incidents:read") && (
            <Section title={t("alerts:detail.incident")}>
              <AlertIncident alertId={a.id} onEscalate={onEscalate} />
            </Section>
          )}
          <Section title={t("alerts:detail.triage")}>
            <Triage alert={a} onDirty={onDirty} />
          </Section>
          <Section title={t("alerts:detail.tags")}>
            <TagEditor alert={a} />
          </Section>
          <Section title={t("alerts:detail.activity")}>
            <ActivityPanel alertId={a.id} />
          </Section>
        </aside>
      </div>
    </div>
  );
}

function describe(c: AlertPatch, people: Assignee[] | undefined): string {
  const parts: string[] = [];
  const t = i18n.t;
  if (c.status) parts.push(t("alerts:change.status", { status: t(`common:status.${c.status}`, { defaultValue: c.status }) }));
  if (c.assignee !== undefined) parts.push(c.assignee ? t("alerts:change.assigned", { name: assigneeName(c.assignee, people) }) : t("alerts:change.unassigned"));
  if (c.add_tags?.length) parts.push(t("alerts:change.tagged", { tags: c.add_tags.join(", ") }));
  if (c.remove_tags?.length) parts.push(t("alerts:change.untagged", { tags: c.remove_tags.join(", ") }));
  if (c.tags) parts.push(t("alerts:change.tagsSet", { tags: c.tags.join(", ") || t("common:none") }));
  return parts.join("; ");
}

/** ActivityPanel: the alert's comments and changes, newest first, and a comment box. */
function ActivityPanel({ alertId }: { alertId: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { can } = useSession();
  const people = useAssignees();
  const key = useOrgKey("alert-activity", alertId);
  const q = useQuery({ queryKey: key, queryFn: () => alerts.activity(alertId) });
  const [body, setBody] = useState("");
  const m = useMutation({
    mutationFn: () => alerts.comment(alertId, body.trim()),
    onSuccess: () => {
      setBody("");
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  const actor = (a: Activity) => (a.actor.startsWith("user:") ? assigneeName(a.actor.slice(5), people.data?.items) : a.actor);
  return (
    <div className="space-y-2">
      {can("alerts:write") && (
        <form
          className="space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) m.mutate();
          }}
        >
          <textarea
            aria-label={t("alerts:detail.comment")}
            className="h-16 w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
            value={body}
            onChange={(e) => setBody(e.target.value)}
            placeholder={t("alerts:detail.addAComment")}
          />
          <Button type="submit" size="sm" disabled={!body.trim() || m.isPending}>
            {t("alerts:detail.comment")}
          </Button>
          {m.error ? <ProblemAlert error={m.error} /> : null}
        </form>
      )}
      {q.error ? (
        <ProblemAlert error={q.error} />
      ) : q.isPending ? (
        <Spinner label={t("alerts:detail.loadingActivity")} />
      ) : q.data.length === 0 ? (
        <p className="text-sm text-muted">{t("alerts:detail.noActivityYet")}</p>
      ) : (
        <ol className="space-y-2" data-testid="alert-activity">
          {q.data.map((a) => (
            <li key={a.id} className="border-l-2 border-slate-200 pl-2 text-xs dark:border-slate-700">
              <p className="text-muted">
                {actor(a)} · <span title={a.created_at}><Time iso={a.created_at} /></span>
              </p>
              {a.kind === "comment" ? <p className="text-sm whitespace-pre-wrap">{a.body}</p> : <p>{a.change ? describe(a.change, people.data?.items) : t("alerts:detail.changed")}</p>}
              {a.change?.reason ? <p className="italic">{t("alerts:detail.reason", { aChangeReason: a.change.reason })}</p> : null}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** AlertIncident: the incident holding this alert, or an Escalate button. */
function AlertIncident({ alertId, onEscalate }: { alertId: string; onEscalate?: () => void }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: useOrgKey("alert-incident", alertId), queryFn: () => incidents.forAlert(alertId) });
  if (q.isPending) return <Spinner label={t("alerts:detail.loadingIncident")} />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data)
    return (
      <p className="text-sm" data-testid="alert-incident">
        {t("alerts:detail.inIncident")}{" "}
        <Link to={`/incidents/${q.data.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
          {q.data.title}
        </Link>{" "}
        <span className="text-xs text-muted">({q.data.status})</span>
      </p>
    );
  return (
    <div className="space-y-1">
      <p className="text-sm text-muted">{t("alerts:detail.notInAnIncident")}</p>
      {onEscalate && (
        <Button size="sm" onClick={onEscalate}>
          {t("alerts:detail.escalate2")}{" "}<kbd className="text-[10px] opacity-70">e</kbd>
        </Button>
      )}
    </div>
  );
}
