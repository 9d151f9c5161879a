// Single sign-on: the org's OIDC configuration (the client secret is
// write-only) and SSO enforcement (an org policy field that needs an
// enabled configuration). The API has no dry-run of a configuration; the
// "Try sign-in" link starts a real sign-in through the provider.
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/problem";
import { useOrgKey } from "../../auth/session";
import { Button, Checkbox, Field, Input, PageHeader, ProblemAlert, Section, Spinner, fieldProps } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { CopyLine, textarea } from "./parts";
import { oidc, org as orgApi, type OIDCConfig, type OIDCInput, type OrgPolicy } from "./settingsApi";
import { domainProblem, issuerProblem, listErrors, listFieldError, parseList, msg } from "./validate";

function OIDCForm({ cfg, onSaved }: { cfg: OIDCConfig | null; onSaved: (c: OIDCConfig) => void }) {
  const { t } = useTranslation();
  const [issuer, setIssuer] = useState(cfg?.issuer ?? "");
  const [clientId, setClientId] = useState(cfg?.client_id ?? "");
  const [secret, setSecret] = useState("");
  const [domains, setDomains] = useState((cfg?.allowed_domains ?? []).join("\n"));
  const [enabled, setEnabled] = useState(cfg?.enabled ?? true);
  const [client, setClient] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const m = useMutation({
    mutationFn: (input: OIDCInput) => oidc.set(input),
    onSuccess: (c) => {
      setSecret("");
      setSaved(true);
      onSaved(c);
    },
  });
  const server = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const errs = Object.keys(client).length ? client : server;
  const list = parseList(domains);
  const domErr = listFieldError(errs, "allowed_domains", list);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const c: Record<string, string> = {};
    const ip = issuerProblem(issuer);
    if (ip) c.issuer = ip;
    if (!clientId.trim()) c.client_id = msg("required");
    if (!cfg && !secret) c.client_secret = msg("secretRequired");
    Object.assign(c, listErrors("allowed_domains", list, domainProblem));
    if (list.length === 0) c.allowed_domains = msg("oneDomain");
    setClient(c);
    if (Object.keys(c).length) return;
    m.mutate({ issuer: issuer.trim(), client_id: clientId.trim(), client_secret: secret || undefined, allowed_domains: list, enabled });
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <div className="grid gap-3 md:grid-cols-2">
        <Field id="oidc-issuer" label={t("settings:sso.issuerUrl")} error={errs.issuer} hint={t("settings:sso.theProviderSIssuerE")}>
          <Input {...fieldProps("oidc-issuer", errs.issuer)} type="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} placeholder={t("settings:sso.httpsIdpExampleCom")} />
        </Field>
        <Field id="oidc-client-id" label={t("settings:sso.clientId")} error={errs.client_id}>
          <Input {...fieldProps("oidc-client-id", errs.client_id)} value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" />
        </Field>
        <Field
          id="oidc-secret"
          label={t("settings:sso.clientSecret")}
          error={errs.client_secret}
          hint={cfg ? t("settings:sso.storedEncryptedAndNeverShown") : t("settings:sso.storedEncryptedAndNeverShown2")}
        >
          <Input
            {...fieldProps("oidc-secret", errs.client_secret)}
            type="password"
            autoComplete="new-password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            placeholder={cfg ? t("settings:sso.stored") : ""}
          />
        </Field>
        <Field id="oidc-domains" label={t("settings:sso.allowedEmailDomainsOnePer")} error={domErr} hint={t("settings:sso.onlyUsersWhoseVerifiedEmail")}>
          <textarea {...fieldProps("oidc-domains", domErr)} className={`${textarea} font-mono`} rows={3} value={domains} onChange={(e) => setDomains(e.target.value)} placeholder={t("settings:sso.exampleCom")} />
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <Checkbox label={t("settings:sso.enabled")} checked={enabled} onCheckedChange={setEnabled} />
        {t("settings:sso.enabledMembersMaySignIn")}
      </label>
      {m.error && Object.keys(server).length === 0 && !Object.keys(client).length ? <ProblemAlert error={m.error} /> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={m.isPending}>
          {t("settings:sso.saveConfiguration")}
        </Button>
        {saved && (
          <span role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
            {t("settings:sso.saved")}
          </span>
        )}
      </div>
    </form>
  );
}

function Enforcement({ policy, cfg }: { policy: OrgPolicy; cfg: OIDCConfig | null }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const key = useOrgKey("org-policy");
  const [on, setOn] = useState(policy.sso_enforced);
  const m = useMutation({
    mutationFn: () => orgApi.update({ sso_enforced: on }),
    onSuccess: (o) => qc.setQueryData(key, o),
  });
  const err = m.error instanceof ApiError && m.error.code === "sso_not_configured" ? m.error.detail : undefined;
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <label className="flex items-center gap-2 text-sm">
        <Checkbox label={t("settings:sso.enforceSingleSignOn")} checked={on} onCheckedChange={setOn} />
        {t("settings:sso.enforceSingleSignOn")}
      </label>
      <p className="pl-6 text-xs text-muted">
        {t("settings:sso.sessionsRefused")} {cfg?.enabled ? "" : t("settings:sso.needsEnabled")}
      </p>
      {err && (
        <p role="alert" className="pl-6 text-xs text-red-700 dark:text-red-400">
          {err}
        </p>
      )}
      {m.error && !err ? <ProblemAlert error={m.error} /> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={m.isPending || on === policy.sso_enforced}>
          {t("settings:sso.saveEnforcement")}
        </Button>
        {m.isSuccess && on === policy.sso_enforced && (
          <span role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
            {policy.sso_enforced ? t("settings:sso.savedEnforced") : t("settings:sso.savedNotEnforced")}
          </span>
        )}
      </div>
    </form>
  );
}

export function SsoPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const cfgKey = useOrgKey("oidc");
  const cfg = useQuery({ queryKey: cfgKey, queryFn: oidc.get });
  const policy = useQuery({ queryKey: useOrgKey("org-policy"), queryFn: orgApi.get });
  const c = cfg.data && cfg.data.configured !== false ? cfg.data : null;
  const callback = cfg.data?.redirect_url || `${window.location.origin}/api/v1/auth/oidc/callback`;
  return (
    <div>
      <PageHeader title={t("settings:sso.singleSignOn")} />
      <div className="space-y-4 p-4">
        <Section title={t("settings:sso.openidConnectProvider")}>
          {cfg.error ? (
            <ProblemAlert error={cfg.error} />
          ) : cfg.isPending ? (
            <Spinner />
          ) : (
            <div className="space-y-3">
              <p className="text-sm" data-testid="oidc-state">
                {c ? t(c.enabled ? "settings:sso.stateEnabled" : "settings:sso.stateDisabled", { time: fmtTime(c.updated_at) }) : t("settings:sso.notConfiguredMembersSignIn")}
              </p>
              <CopyLine label={t("settings:sso.callbackUrl")} value={callback} />
              {c?.login_url && (
                <div className="flex flex-wrap items-center gap-2">
                  <CopyLine label={t("settings:sso.signInUrl")} value={c.login_url} />
                  {c.enabled && (
                    <a href={c.login_url} target="_blank" rel="noreferrer" className="text-xs text-sky-700 hover:underline dark:text-sky-400">
                      {t("settings:sso.trySignInNewTab")}
                    </a>
                  )}
                </div>
              )}
              <OIDCForm cfg={c} onSaved={(next) => qc.setQueryData(cfgKey, next)} />
            </div>
          )}
        </Section>
        <Section title={t("settings:sso.enforcement")}>
          {policy.error ? <ProblemAlert error={policy.error} /> : policy.isPending || cfg.isPending ? <Spinner /> : <Enforcement policy={policy.data} cfg={c} />}
        </Section>
      </div>
    </div>
  );
}
