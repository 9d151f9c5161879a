// Ingest sources: where alerts come from. A webhook source has a signing
// secret (shown once at creation and at each rotation), a syslog source the
// sender networks mapped to this org, an API source applies its dedup
// settings to intake calls that name it.
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/problem";
import { useOrgKey } from "../../auth/session";
import { Dialog } from "../../components/Dialog";
import { Button, Checkbox, Field, Input, PageHeader, ProblemAlert, Section, Select, Spinner, fieldProps, td, th } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { ConfirmDialog, CopyLine, OnceBanner, textarea } from "./parts";
import { DEDUP_KEYS, SOURCE_KINDS, intakeURL, sourceInput, sources, type Source, type SourceInput, type SourceKind, type SourceWithSecret } from "./settingsApi";
import { listErrors, listFieldError, parseList, senderNetworkProblem, msg } from "./validate";

/** KIND_KEYS are the i18n keys of the source kinds. */
const KIND_KEYS: Record<SourceKind, string> = { webhook: "settings:sources.kindWebhook", syslog: "settings:sources.kindSyslog", api: "settings:sources.kindApi" };

interface Draft {
  name: string;
  kind: SourceKind;
  sourceType: string;
  networks: string;
  dedupKeys: string[];
  window: string;
  enabled: boolean;
}

function draftOf(s?: Source): Draft {
  return {
    name: s?.name ?? "",
    kind: s?.kind ?? "webhook",
    sourceType: s?.source_type ?? "",
    networks: (s?.allowed_cidrs ?? []).join("\n"),
    dedupKeys: s?.dedup_keys ?? [],
    window: s ? String(s.dedup_window_seconds) : "",
    enabled: s?.enabled ?? true,
  };
}

/** checkDraft returns the body to send and the client-side field errors (keyed like the server's). */
function checkDraft(d: Draft): { body: SourceInput; errors: Record<string, string> } {
  const networks = d.kind === "syslog" ? parseList(d.networks) : [];
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = msg("required");
  else if (d.name.trim().length > 200) errors.name = msg("max200");
  if (d.kind === "syslog") {
    Object.assign(errors, listErrors("allowed_cidrs", networks, senderNetworkProblem));
    if (networks.length === 0) errors.allowed_cidrs = msg("syslogNeedsNetwork");
    if (networks.length > 64) errors.allowed_cidrs = msg("max64Networks");
  }
  const w = d.window.trim();
  if (w && (!/^\d+$/.test(w) || Number(w) > 2592000)) errors.dedup_window_seconds = msg("windowSeconds");
  return {
    body: {
      name: d.name.trim(),
      kind: d.kind,
      source_type: d.sourceType || undefined,
      dedup_keys: d.dedupKeys,
      dedup_window_seconds: w ? Number(w) : 0,
      allowed_cidrs: networks,
      enabled: d.enabled,
    },
    errors,
  };
}

/** serverErrors maps a problem to field errors; a name clash (409 source_exists) belongs to the name. */
function serverErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const f = err.fieldErrors();
  if (err.code === "source_exists") f.name = err.detail;
  return f;
}

function SourceForm({ initial, idPrefix, submitLabel, pending, error, onSubmit, onCancel }: {
  initial?: Source;
  idPrefix: string;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (body: SourceInput) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const types = useQuery({ queryKey: ["alert-source-types"], queryFn: sources.types, staleTime: Infinity });
  const [d, setD] = useState<Draft>(() => draftOf(initial));
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const server = serverErrors(error);
  const errs = Object.keys(clientErrors).length ? clientErrors : server;
  const networks = parseList(d.networks);
  const id = (s: string) => `${idPrefix}-${s}`;
  const netError = listFieldError(errs, "allowed_cidrs", networks);
  const keyError = listFieldError(errs, "dedup_keys", d.dedupKeys);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { body, errors } = checkDraft(d);
    setClientErrors(errors);
    if (Object.keys(errors).length === 0) onSubmit(body);
  };
  const general = error && Object.keys(server).length === 0 && !Object.keys(clientErrors).length;
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <div className="grid gap-3 md:grid-cols-3">
        <Field id={id("name")} label={t("settings:sources.name")} error={errs.name}>
          <Input {...fieldProps(id("name"), errs.name)} value={d.name} onChange={(e) => set("name", e.target.value)} placeholder={t("settings:sources.eGPerimeterFirewall")} />
        </Field>
        <Field id={id("kind")} label={t("settings:sources.kind")} error={errs.kind} hint={initial ? t("settings:sources.theKindOfASource") : undefined}>
          <Select {...fieldProps(id("kind"), errs.kind)} value={d.kind} disabled={!!initial} onChange={(e) => set("kind", e.target.value as SourceKind)}>
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(KIND_KEYS[k])}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={id("type")} label={t("settings:sources.sourceTypeNormalizer")} error={errs.source_type}>
          <Select {...fieldProps(id("type"), errs.source_type)} value={d.sourceType} onChange={(e) => set("sourceType", e.target.value)}>
            <option value="">{t("settings:sources.autoDetectPerRecord")}</option>
            {(types.data ?? []).map((ty) => (
              <option key={ty} value={ty}>
                {ty}
              </option>
            ))}
            {d.sourceType && !(types.data ?? []).includes(d.sourceType) ? <option value={d.sourceType}>{d.sourceType}</option> : null}
          </Select>
        </Field>
      </div>
      {d.kind === "syslog" && (
        <Field id={id("networks")} label={t("settings:sources.senderNetworksCidrOnePer")} error={netError} hint={t("settings:sources.ipv416OrNarrowerIpv6")}>
          <textarea
            {...fieldProps(id("networks"), netError)}
            className={`${textarea} font-mono`}
            rows={3}
            value={d.networks}
            onChange={(e) => set("networks", e.target.value)}
            placeholder={"10.20.0.0/24\n192.0.2.10/32"}
          />
        </Field>
      )}
      <details className="rounded border border-slate-200 p-2 dark:border-slate-800">
        <summary className="cursor-pointer text-xs font-medium text-slate-600 dark:text-slate-400">{t("settings:sources.deduplication")}</summary>
        <div className="mt-2 space-y-3">
          <Field id={id("window")} label={t("settings:sources.windowSeconds")} error={errs.dedup_window_seconds} hint={t("settings:sources.repeatsWithinTheWindowRaise")}>
            <Input {...fieldProps(id("window"), errs.dedup_window_seconds)} inputMode="numeric" className="w-40" value={d.window} onChange={(e) => set("window", e.target.value)} />
          </Field>
          <fieldset aria-describedby={keyError ? id("keys-error") : undefined}>
            <legend className="mb-1 text-xs font-medium text-slate-600 dark:text-slate-400">{t("settings:sources.fingerprintFieldsNoneSourceType")}</legend>
            <div className="grid grid-cols-2 gap-1 md:grid-cols-4">
              {DEDUP_KEYS.map((k) => (
                <label key={k} className="flex items-center gap-2 font-mono text-xs">
                  <Checkbox label={k} checked={d.dedupKeys.includes(k)} onCheckedChange={(on) => set("dedupKeys", on ? [...d.dedupKeys, k] : d.dedupKeys.filter((x) => x !== k))} />
                  {k}
                </label>
              ))}
            </div>
            {keyError && (
              <p id={id("keys-error")} role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
                {keyError}
              </p>
            )}
          </fieldset>
        </div>
      </details>
      <label className="flex items-center gap-2 text-sm">
        <Checkbox label={t("settings:sources.enabled")} checked={d.enabled} onCheckedChange={(v) => set("enabled", v)} />
        {t("settings:sources.enabledADisabledSourceAccepts")}
      </label>
      {general ? <ProblemAlert error={error} /> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={pending}>
          {submitLabel}
        </Button>
        {onCancel && <Button onClick={onCancel}>{t("settings:sources.cancel")}</Button>}
      </div>
    </form>
  );
}

/** SecretShown is the once-only answer of a create or rotation, with how the vendor signs. */
function SecretShown({ s, onDone }: { s: SourceWithSecret; onDone: () => void }) {
  const { t } = useTranslation();
  const url = s.webhook_url || intakeURL(s, window.location.origin);
  return (
    <OnceBanner title={t("settings:sources.signingSecretOfCopyIt", { sName: s.name })} value={s.secret ?? ""} testId="source-secret" onDone={onDone}>
      <CopyLine label={t("settings:sources.webhookUrl")} value={url} testId="source-webhook-url" />
      <p className="text-xs">
        {t("settings:sources.signEachRequestHeader")}{" "}<code className="font-mono">{t("settings:sources.xSecurenexusTimestamp")}</code>{" "}{t("settings:sources.unixSecondsHeader")}{" "}
        <code className="font-mono">{t("settings:sources.xSecurenexusSignature")}</code> = <code className="font-mono">v1=</code>{t("settings:sources.hexHmacSha256SecretTimestamp")}
        {s.previous_secret_expires_at ? t("settings:sources.thePreviousSecretKeepsWorking", { value: fmtTime(s.previous_secret_expires_at) }) : ""}
      </p>
    </OnceBanner>
  );
}

function Intake({ s }: { s: Source }) {
  const { t } = useTranslation();
  if (s.kind === "syslog") {
    return (
      <div className="text-xs">
        <span className="text-muted">{t("settings:sources.from")}{" "}</span>
        <span className="font-mono break-all">{(s.allowed_cidrs ?? []).join(", ") || "—"}</span>
        <p className="text-muted">{t("settings:sources.toThisServerSSyslog")}</p>
      </div>
    );
  }
  const url = intakeURL(s, window.location.origin);
  return (
    <div className="space-y-1 text-xs">
      <CopyLine label={t("settings:sources.url")} value={url} testId="source-url" />
      <p className="text-muted">{s.kind === "webhook" ? t("settings:sources.signedWithTheSourceS") : t("settings:sources.postWithAnApiKey")}</p>
    </div>
  );
}

const GRACE = [
  { label: "settings:sources.grace24h", value: 86400 },
  { label: "settings:sources.grace1h", value: 3600 },
  { label: "settings:sources.grace7d", value: 604800 },
  { label: "settings:sources.graceNone", value: 0 },
];

function RotateDialog({ s, onClose, onRotated }: { s: Source; onClose: () => void; onRotated: (r: SourceWithSecret) => void }) {
  const { t } = useTranslation();
  const [grace, setGrace] = useState(86400);
  const m = useMutation({ mutationFn: () => sources.rotate(s.id, grace), onSuccess: onRotated });
  return (
    <ConfirmDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={t("settings:sources.rotateTheSecretOf", { sName: s.name })}
      description={t("settings:sources.aNewSecretIsGenerated")}
      confirmLabel={t("settings:sources.rotateSecret")}
      pending={m.isPending}
      error={m.error}
      onConfirm={() => m.mutate()}
    >
      <Field id="rotate-grace" label={t("settings:sources.oldSecretKeepsWorkingFor")}>
        <Select id="rotate-grace" value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
          {GRACE.map((g) => (
            <option key={g.value} value={g.value}>
              {t(g.label)}
            </option>
          ))}
        </Select>
      </Field>
    </ConfirmDialog>
  );
}

export function SourcesPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const key = useOrgKey("alert-sources");
  const q = useQuery({ queryKey: key, queryFn: sources.list });
  const refresh = () => void qc.invalidateQueries({ queryKey: key });
  const [creating, setCreating] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const [secret, setSecret] = useState<SourceWithSecret | null>(null);
  const [editing, setEditing] = useState<Source | null>(null);
  const [rotating, setRotating] = useState<Source | null>(null);
  const [deleting, setDeleting] = useState<Source | null>(null);
  const create = useMutation({
    mutationFn: sources.create,
    onSuccess: (s) => {
      if (s.secret) setSecret(s);
      setCreating(false);
      setFormKey((k) => k + 1);
      refresh();
    },
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: SourceInput }) => sources.update(id, body),
    onSuccess: () => {
      setEditing(null);
      refresh();
    },
  });
  const toggle = useMutation({ mutationFn: (s: Source) => sources.update(s.id, sourceInput(s, { enabled: !s.enabled })), onSuccess: refresh });
  const remove = useMutation({
    mutationFn: (id: string) => sources.remove(id),
    onSuccess: () => {
      setDeleting(null);
      refresh();
    },
  });
  const rows = q.data ?? [];
  return (
    <div>
      <PageHeader title={t("settings:sources.ingestSources")}>
        {!creating && (
          <Button variant="primary" size="sm" onClick={() => setCreating(true)}>
            {t("settings:sources.newSource")}
          </Button>
        )}
      </PageHeader>
      <div className="space-y-4 p-4">
        {secret && <SecretShown s={secret} onDone={() => setSecret(null)} />}
        {creating && (
          <Section title={t("settings:sources.newSource")}>
            <SourceForm
              key={formKey}
              idPrefix="new-source"
              submitLabel={t("settings:sources.createSource")}
              pending={create.isPending}
              error={create.error}
              onSubmit={(b) => create.mutate(b)}
              onCancel={() => {
                setCreating(false);
                create.reset();
              }}
            />
          </Section>
        )}
        <Section title={t("settings:sources.sources")}>
          {q.error ? (
            <ProblemAlert error={q.error} />
          ) : q.isPending ? (
            <Spinner />
          ) : rows.length === 0 ? (
            <p className="text-sm text-muted">
              {t("settings:sources.noSourcesYetAlertsSent")}
            </p>
          ) : (
            <div data-scroll-x className="overflow-x-auto">
              <table className="w-full text-sm">
                <thead>
                  <tr>
                    <th className={th}>{t("settings:sources.name")}</th>
                    <th className={`${th} hidden lg:table-cell`}>{t("settings:sources.kind")}</th>
                    <th className={th}>{t("settings:sources.intake")}</th>
                    <th className={th}>{t("settings:sources.state")}</th>
                    <th className={th}>
                      <span className="sr-only">{t("settings:sources.actions")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id} data-testid="source-row" className="border-t border-slate-100 dark:border-slate-800">
                      <td className={td}>
                        <div className="font-medium">{s.name}</div>
                        <div className="text-xs lg:hidden">{KIND_KEYS[s.kind] ? t(KIND_KEYS[s.kind]) : s.kind}</div>
                        <div className="font-mono text-[11px] text-muted">{s.source_type || t("settings:sources.autoDetect")}</div>
                      </td>
                      <td className={`${td} hidden lg:table-cell`}>{KIND_KEYS[s.kind] ? t(KIND_KEYS[s.kind]) : s.kind}</td>
                      <td className={`${td} min-w-48`}>
                        <Intake s={s} />
                      </td>
                      <td className={td}>
                        <span className={s.enabled ? "text-emerald-700 dark:text-emerald-400" : "text-muted"}>{s.enabled ? t("settings:sources.enabled2") : t("settings:sources.disabled")}</span>
                        {s.previous_secret_expires_at && new Date(s.previous_secret_expires_at) > new Date() ? (
                          <div className="text-[11px] text-muted">{t("settings:sources.oldSecretUntil", { value: fmtTime(s.previous_secret_expires_at) })}</div>
                        ) : null}
                      </td>
                      <td className={`${td} text-right whitespace-nowrap`}>
                        <div className="flex flex-wrap justify-end gap-1">
                          <Button size="sm" onClick={() => setEditing(s)} aria-label={t("settings:sources.edit", { sName: s.name })}>
                            {t("settings:sources.edit2")}
                          </Button>
                          <Button size="sm" disabled={toggle.isPending} onClick={() => toggle.mutate(s)} aria-label={s.enabled ? t("settings:sources.disableName", { sName: s.name }) : t("settings:sources.enableName", { sName: s.name })}>
                            {s.enabled ? t("settings:sources.disable") : t("settings:sources.enable")}
                          </Button>
                          {s.kind === "webhook" && (
                            <Button size="sm" onClick={() => setRotating(s)} aria-label={t("settings:sources.rotateSecretOf", { sName: s.name })}>
                              {t("settings:sources.rotateSecret")}
                            </Button>
                          )}
                          <Button size="sm" variant="dangerGhost" onClick={() => setDeleting(s)} aria-label={t("settings:sources.delete", { sName: s.name })}>
                            {t("settings:sources.delete2")}
                          </Button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {toggle.error ? <ProblemAlert error={toggle.error} className="mt-2" /> : null}
        </Section>
      </div>
      <Dialog open={!!editing} onOpenChange={(o) => !o && (setEditing(null), update.reset())} title={t("settings:sources.edit3", { value: editing?.name ?? "" })} wide>
        {editing && (
          <SourceForm
            initial={editing}
            idPrefix="edit-source"
            submitLabel={t("settings:sources.saveSource")}
            pending={update.isPending}
            error={update.error}
            onSubmit={(b) => update.mutate({ id: editing.id, body: b })}
            onCancel={() => {
              setEditing(null);
              update.reset();
            }}
          />
        )}
      </Dialog>
      {rotating && (
        <RotateDialog
          s={rotating}
          onClose={() => setRotating(null)}
          onRotated={(r) => {
            setRotating(null);
            setSecret(r);
            refresh();
          }}
        />
      )}
      <ConfirmDialog
        open={!!deleting}
        onOpenChange={(o) => !o && (setDeleting(null), remove.reset())}
        title={t("settings:sources.delete3", { value: deleting?.name ?? "" })}
        description={t("settings:sources.theSourceStopsAcceptingAlerts")}
        confirmLabel={t("settings:sources.deleteSource")}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </div>
  );
}
