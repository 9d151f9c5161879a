// Org policy: the fields GET/PATCH /org has (name, MFA required, session
// lifetime, IP allowlist; SSO enforcement lives on the SSO page). Only the
// fields that changed are sent; problems are shown next to their field.
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ApiError } from "../../api/problem";
import { useOrgKey } from "../../auth/session";
import { Button, Checkbox, Field, Input, PageHeader, ProblemAlert, Section, Spinner, fieldProps } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { textarea } from "./parts";
import { org as orgApi, type OrgPatch, type OrgPolicy } from "./settingsApi";
import { allowlistProblem, lifetimeProblem, listErrors, listFieldError, parseList, msg } from "./validate";

interface Draft {
  name: string;
  mfa: boolean;
  lifetime: string;
  allowlist: string;
}

function draftOf(o: OrgPolicy): Draft {
  return {
    name: o.name,
    mfa: o.mfa_required,
    lifetime: String(Math.round(o.session_lifetime_seconds / 60)),
    allowlist: (o.ip_allowlist ?? []).join("\n"),
  };
}

/** policyPatch returns the changed fields of d against o and the client-side field errors (keyed like the server's). */
export function policyPatch(o: OrgPolicy, d: Draft): { patch: OrgPatch; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const patch: OrgPatch = {};
  const name = d.name.trim();
  if (!name) errors.name = msg("required");
  else if (name.length > 200) errors.name = msg("max200");
  else if (name !== o.name) patch.name = name;
  if (d.mfa !== o.mfa_required) patch.mfa_required = d.mfa;
  const lp = lifetimeProblem(d.lifetime);
  if (lp) errors.session_lifetime_seconds = lp;
  else {
    const secs = d.lifetime.trim() === "" ? 0 : Number(d.lifetime) * 60;
    if (secs !== o.session_lifetime_seconds) patch.session_lifetime_seconds = secs;
  }
  const list = parseList(d.allowlist);
  Object.assign(errors, listErrors("ip_allowlist", list, allowlistProblem));
  if (list.length > 100) errors.ip_allowlist = msg("max100Entries");
  if (list.join("\n") !== (o.ip_allowlist ?? []).join("\n")) patch.ip_allowlist = list;
  return { patch, errors };
}

/** serverErrors maps a problem to fields; the policy's own conflicts name the field they are about. */
function serverErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const f = err.fieldErrors();
  if (err.code === "mfa_required_self") f.mfa_required = err.detail;
  return f;
}

function PolicyForm({ o }: { o: OrgPolicy }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const key = useOrgKey("org-policy");
  const [d, setD] = useState<Draft>(() => draftOf(o));
  const [client, setClient] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => setD(draftOf(o)), [o]);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setSaved(false);
    setD((x) => ({ ...x, [k]: v }));
  };
  const m = useMutation({
    mutationFn: orgApi.update,
    onSuccess: (next) => {
      qc.setQueryData(key, next);
      setSaved(true);
      void qc.invalidateQueries({ queryKey: ["me"] });
    },
  });
  const server = serverErrors(m.error);
  const errs = Object.keys(client).length ? client : server;
  const list = parseList(d.allowlist);
  const allowErr = listFieldError(errs, "ip_allowlist", list);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const { patch, errors } = policyPatch(o, d);
    setClient(errors);
    if (Object.keys(errors).length) return;
    if (Object.keys(patch).length === 0) {
      setSaved(true);
      return;
    }
    m.mutate(patch);
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <Field id="org-name" label={t("settings:policies.organizationName")} error={errs.name}>
        <Input {...fieldProps("org-name", errs.name)} className="max-w-md" value={d.name} onChange={(e) => set("name", e.target.value)} />
      </Field>
      <div className="space-y-1">
        <label className="flex items-center gap-2 text-sm">
          <Checkbox label={t("settings:policies.requireMultiFactorAuthentication")} checked={d.mfa} onCheckedChange={(v) => set("mfa", v)} />
          {t("settings:policies.requireMultiFactorAuthentication")}
        </label>
        <p className="pl-6 text-xs text-muted">{t("settings:policies.membersWithoutTotpAreRefused")}</p>
        {errs.mfa_required && (
          <p role="alert" className="pl-6 text-xs text-red-700 dark:text-red-400">
            {errs.mfa_required}
          </p>
        )}
      </div>
      <Field id="org-lifetime" label={t("settings:policies.sessionLifetimeMinutes")} error={errs.session_lifetime_seconds} hint={t("settings:policies.0KeepsThePlatformS")}>
        <Input {...fieldProps("org-lifetime", errs.session_lifetime_seconds)} inputMode="numeric" className="w-40" value={d.lifetime} onChange={(e) => set("lifetime", e.target.value)} />
      </Field>
      <Field
        id="org-allowlist"
        label={t("settings:policies.ipAllowlistCidrOrAddress")}
        error={allowErr}
        hint={t("settings:policies.emptyAllowsEveryAddressSessions")}
      >
        <textarea
          {...fieldProps("org-allowlist", allowErr)}
          className={`${textarea} max-w-md font-mono`}
          rows={4}
          value={d.allowlist}
          onChange={(e) => set("allowlist", e.target.value)}
          placeholder={t("settings:policies.2030113024")}
        />
      </Field>
      {m.error && Object.keys(server).length === 0 && !Object.keys(client).length ? <ProblemAlert error={m.error} /> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={m.isPending}>
          {t("settings:policies.savePolicy")}
        </Button>
        {saved && (
          <span role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
            {t("settings:policies.saved")}
          </span>
        )}
      </div>
    </form>
  );
}

export function PoliciesPage() {
  const { t } = useTranslation();
  const key = useOrgKey("org-policy");
  const q = useQuery({ queryKey: key, queryFn: orgApi.get });
  return (
    <div>
      <PageHeader title={t("settings:policies.orgPolicies")} />
      <div className="space-y-4 p-4">
        <Section title={t("settings:policies.accessPolicy")}>
          {q.error ? <ProblemAlert error={q.error} /> : q.isPending ? <Spinner /> : <PolicyForm o={q.data} />}
        </Section>
        {q.data && (
          <p className="text-xs text-muted">
            {q.data.sso_enforced ? t("settings:policies.ssoEnforced") : t("settings:policies.ssoNotEnforced")}{" "}
            <Link to="/settings/sso" className="text-sky-700 underline dark:text-sky-400">
              {t("settings:policies.ssoPage")}
            </Link>
            {t("settings:policies.lastChanged", { time: fmtTime(q.data.updated_at) })}
          </p>
        )}
      </div>
    </div>
  );
}
