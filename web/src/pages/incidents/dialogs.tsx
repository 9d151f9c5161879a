// Escalate (alerts → new or existing incident), merge and split dialogs.
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { incidents } from "../../api/endpoints";
import { ApiError } from "../../api/problem";
import { INCIDENT_SEVERITIES, type Incident, type LinkedAlert } from "../../api/types";
import { useOrgKey } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { Button, Checkbox, Field, Input, ProblemAlert, Select, Spinner, fieldProps } from "../../components/ui";
import { invalidateIncident } from "./IncidentDetail";
import { IncidentStatusBadge } from "./parts";

/** useOpenIncidents lists open incidents for the pickers. */
function useOpenIncidents(enabled: boolean) {
  return useQuery({ queryKey: useOrgKey("incidents-open"), queryFn: incidents.open, enabled, staleTime: 5_000 });
}

/**
 * EscalateDialog sends alerts to a new incident (optionally from a
 * template) or adds them to an open one, then opens that incident.
 */
export function EscalateDialog({ open, onOpenChange, alertIds, defaultTitle, onDone }: { open: boolean; onOpenChange: (o: boolean) => void; alertIds: string[]; defaultTitle?: string; onDone?: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [mode, setMode] = useState<"new" | "existing">("new");
  const [title, setTitle] = useState("");
  const [type, setType] = useState("");
  const [severity, setSeverity] = useState("");
  const [target, setTarget] = useState("");
  const templates = useQuery({ queryKey: useOrgKey("incident-templates"), queryFn: incidents.templates, enabled: open, staleTime: 60_000 });
  const openIncidents = useOpenIncidents(open && mode === "existing");
  const m = useMutation({
    mutationFn: () =>
      incidents.escalate(
        mode === "existing"
          ? { alert_ids: alertIds, incident_id: target }
          : { alert_ids: alertIds, title: title.trim() || undefined, type: type || undefined, severity: severity || undefined },
      ),
    onSuccess: (r) => {
      void invalidateIncident(qc);
      onOpenChange(false);
      onDone?.();
      navigate(`/incidents/${r.incident.id}`);
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const n = alertIds.length;
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("incidents:dialogs.escalateAlert", { count: n })} description={t("incidents:dialogs.openANewIncidentWith")} wide>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          m.mutate();
        }}
      >
        <fieldset className="flex gap-4 text-sm">
          <legend className="sr-only">{t("incidents:dialogs.escalateTo")}</legend>
          <label className="flex items-center gap-1">
            <input type="radio" name="escalate-mode" checked={mode === "new"} onChange={() => setMode("new")} />{" "}{t("incidents:dialogs.newIncident")}
          </label>
          <label className="flex items-center gap-1">
            <input type="radio" name="escalate-mode" checked={mode === "existing"} onChange={() => setMode("existing")} />{" "}{t("incidents:dialogs.addToAnOpenIncident")}
          </label>
        </fieldset>
        {mode === "new" ? (
          <>
            <Field id="escalate-title" label={t("incidents:dialogs.title")} error={fields.title} hint={defaultTitle ? t("incidents:dialogs.empty", { defaultTitle: defaultTitle, value: n > 1 ? t("incidents:dialogs.andMore", { count: n - 1 }) : "" }) : undefined}>
              <Input {...fieldProps("escalate-title", fields.title)} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
            </Field>
            <div className="grid grid-cols-2 gap-2">
              <Field id="escalate-template" label={t("incidents:dialogs.template")} error={fields.type}>
                <Select {...fieldProps("escalate-template", fields.type)} value={type} onChange={(e) => setType(e.target.value)} aria-busy={templates.isPending || undefined}>
                  <option value="">{t("incidents:dialogs.noTemplate")}</option>
                  {templates.data?.map((t) => (
                    <option key={t.type} value={t.type}>
                      {t.name}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field id="escalate-severity" label={t("incidents:dialogs.severity")} error={fields.severity}>
                <Select {...fieldProps("escalate-severity", fields.severity)} value={severity} onChange={(e) => setSeverity(e.target.value)}>
                  <option value="">{type ? t("incidents:dialogs.theTemplateS") : t("incidents:dialogs.theAlertsHighest")}</option>
                  {INCIDENT_SEVERITIES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>
            {type && templates.data && (
              <p className="text-xs text-muted" data-testid="template-preview">
                {t("incidents:dialogs.addsTasks", { value: templates.data.find((t) => t.type === type)?.description, value2: templates.data.find((t) => t.type === type)?.tasks?.length ?? 0 })}
              </p>
            )}
            {templates.error ? <ProblemAlert error={templates.error} /> : null}
          </>
        ) : (
          <Field id="escalate-target" label={t("incidents:dialogs.incident")} error={fields.incident_id}>
            {openIncidents.isPending ? (
              <Spinner label={t("incidents:dialogs.loadingOpenIncidents")} />
            ) : openIncidents.error ? (
              <ProblemAlert error={openIncidents.error} />
            ) : openIncidents.data.length === 0 ? (
              <p className="text-sm text-muted">{t("incidents:dialogs.noOpenIncidents")}</p>
            ) : (
              <Select {...fieldProps("escalate-target", fields.incident_id)} value={target} onChange={(e) => setTarget(e.target.value)}>
                <option value="">{t("incidents:dialogs.chooseAnIncident")}</option>
                {openIncidents.data.map((i) => (
                  <option key={i.id} value={i.id}>
                    {t("incidents:dialogs.alerts", { iSeverity: i.severity, iTitle: i.title, iAlert_count: i.alert_count })}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        )}
        {m.error && !fields.title && !fields.type && !fields.incident_id ? <ProblemAlert error={m.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => onOpenChange(false)}>
            {t("incidents:dialogs.cancel")}
          </Button>
          <Button type="submit" variant="primary" disabled={m.isPending || (mode === "existing" && !target)}>
            {m.isPending ? t("incidents:dialogs.escalating") : mode === "new" ? t("incidents:dialogs.openIncident") : t("incidents:dialogs.addToIncident")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** MergeDialog folds chosen open incidents into this one (the survivor). */
export function MergeDialog({ open, onOpenChange, survivor }: { open: boolean; onOpenChange: (o: boolean) => void; survivor: Incident }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const list = useOpenIncidents(open);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState("");
  const m = useMutation({
    mutationFn: () => incidents.merge(survivor.id, [...chosen]),
    onSuccess: () => {
      setChosen(new Set());
      onOpenChange(false);
      void invalidateIncident(qc);
    },
  });
  const others = (list.data ?? []).filter((i) => i.id !== survivor.id && i.title.toLowerCase().includes(filter.trim().toLowerCase()));
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("incidents:dialogs.mergeIncidentsIntoThisOne")} description={t("incidents:dialogs.survivesTheChosenIncidentsAlerts", { survivorTitle: survivor.title })} wide>
      <div className="space-y-2">
        <Input aria-label={t("incidents:dialogs.findIncidents")} placeholder={t("incidents:dialogs.findByTitle")} value={filter} onChange={(e) => setFilter(e.target.value)} autoFocus />
        {list.isPending ? (
          <Spinner label={t("incidents:dialogs.loadingOpenIncidents")} />
        ) : list.error ? (
          <ProblemAlert error={list.error} />
        ) : others.length === 0 ? (
          <p className="text-sm text-muted">{t("incidents:dialogs.noOtherOpenIncidents", { value: filter ? t("incidents:dialogs.matchSuffix") : "" })}</p>
        ) : (
          <ul className="max-h-72 space-y-1 overflow-auto" aria-label={t("incidents:dialogs.openIncidents")} data-testid="merge-candidates">
            {others.map((i) => (
              <li key={i.id} className="flex items-center gap-2">
                <Checkbox
                  label={t("incidents:dialogs.merge", { iTitle: i.title })}
                  checked={chosen.has(i.id)}
                  onCheckedChange={(v) =>
                    setChosen((s) => {
                      const n = new Set(s);
                      if (v) n.add(i.id);
                      else n.delete(i.id);
                      return n;
                    })
                  }
                />
                <IncidentStatusBadge status={i.status} />
                <span className="truncate">{i.title}</span>
                <span className="ml-auto text-xs text-muted">{t("incidents:dialogs.alerts2", { iAlert_count: i.alert_count })}</span>
              </li>
            ))}
          </ul>
        )}
        {m.error ? <ProblemAlert error={m.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => onOpenChange(false)}>
            {t("incidents:dialogs.cancel")}
          </Button>
          <Button variant="primary" disabled={chosen.size === 0 || m.isPending} onClick={() => m.mutate()}>
            {m.isPending ? t("incidents:dialogs.merging") : t("incidents:dialogs.mergeIntoThisIncident", { value: chosen.size || "" })}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

/** SplitDialog moves the chosen alerts to a new incident. */
export function SplitDialog({ open, onOpenChange, incident, alerts }: { open: boolean; onOpenChange: (o: boolean) => void; incident: Incident; alerts: LinkedAlert[] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const m = useMutation({
    mutationFn: () => incidents.split(incident.id, alerts.map((a) => a.alert_id), title.trim()),
    onSuccess: (created) => {
      onOpenChange(false);
      void invalidateIncident(qc);
      navigate(`/incidents/${created.id}`);
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("incidents:dialogs.splitAlertIntoANew", { count: alerts.length })} description={t("incidents:dialogs.theNewIncidentKeepsThis")}>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          m.mutate();
        }}
      >
        <ul className="max-h-40 list-disc overflow-auto pl-5 text-xs">
          {alerts.map((a) => (
            <li key={a.alert_id}>{a.title}</li>
          ))}
        </ul>
        <Field id="split-title" label={t("incidents:dialogs.titleOfTheNewIncident")} error={fields.title} hint={t("incidents:dialogs.emptySplitFrom", { incidentTitle: incident.title })}>
          <Input {...fieldProps("split-title", fields.title)} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
        </Field>
        {m.error && !fields.title ? <ProblemAlert error={m.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => onOpenChange(false)}>
            {t("incidents:dialogs.cancel")}
          </Button>
          <Button type="submit" variant="primary" disabled={m.isPending || alerts.length === 0}>
            {m.isPending ? t("incidents:dialogs.splitting") : t("incidents:dialogs.splitOff")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
