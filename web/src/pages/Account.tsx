import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { auth } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { ME_KEY, useSession } from "../auth/session";
import { Time } from "../components/Time";
import { Button, Field, Input, PageHeader, ProblemAlert, Section, Select, Spinner, fieldProps, td, th } from "../components/ui";
import { LANGUAGES, LANGUAGE_NAMES, isLanguage, timeZones } from "../i18n";
import { fmtTime, formatPrefs } from "../lib/format";
import { MFA } from "./Mfa";

function Password() {
  const { t } = useTranslation("auth");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const m = useMutation({
    mutationFn: () => auth.changePassword({ current_password: current, new_password: next }),
    onSuccess: () => {
      setCurrent("");
      setNext("");
    },
  });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  return (
    <form
      noValidate
      className="max-w-sm space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <Field id="current_password" label={t("password.current")} error={fields.current_password}>
        <Input {...fieldProps("current_password", fields.current_password)} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field id="new_password" label={t("password.new")} error={fields.new_password} hint={t("password.hint")}>
        <Input {...fieldProps("new_password", fields.new_password)} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </Field>
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} /> : null}
      {m.isSuccess && (
        <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
          {t("password.changed")}
        </p>
      )}
      <Button type="submit" variant="primary" disabled={m.isPending}>
        {t("password.submit")}
      </Button>
    </form>
  );
}

function Sessions() {
  const { t } = useTranslation("auth");
  const qc = useQueryClient();
  const key = ["my-sessions"];
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => auth.sessions(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const revoke = useMutation({ mutationFn: auth.revokeSession, onSuccess: () => void qc.invalidateQueries({ queryKey: key }) });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.isPending) return <Spinner />;
  return (
    <>
      <table className="w-full text-sm">
        <thead>
          <tr>
            <th className={th}>{t("sessions.signedIn")}</th>
            <th className={th}>{t("sessions.lastSeen")}</th>
            <th className={`${th} hidden lg:table-cell`}>{t("sessions.expires")}</th>
            <th className={th}>{t("sessions.method")}</th>
            <th className={th}>{t("sessions.ip")}</th>
            <th className={`${th} hidden lg:table-cell`}>{t("sessions.browser")}</th>
            <th className={th}>
              <span className="sr-only">{t("sessions.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => {
            const method = t(`sessions.methods.${s.method}`, { defaultValue: s.method });
            return (
              <tr key={s.id} className="border-t border-slate-100 dark:border-slate-800">
                <td className={`${td} font-mono text-xs`}>
                  <Time iso={s.created_at} />
                </td>
                <td className={`${td} font-mono text-xs`}>
                  <Time iso={s.last_seen_at} />
                </td>
                <td className={`${td} hidden lg:table-cell font-mono text-xs`}>
                  <Time iso={s.expires_at} />
                </td>
                <td className={td} title={s.user_agent}>
                  {s.mfa ? t("sessions.withTotp", { method }) : method}
                </td>
                <td className={`${td} font-mono text-xs`}>{s.ip}</td>
                <td className={`${td} hidden lg:table-cell max-w-72 truncate text-xs`} title={s.user_agent}>
                  {s.user_agent}
                </td>
                <td className={`${td} text-right`}>
                  {s.current ? (
                    <span className="text-xs text-emerald-700 dark:text-emerald-400">{t("sessions.current")}</span>
                  ) : (
                    <Button size="sm" variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(s.id)}>
                      {t("sessions.signOut")}
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {revoke.error ? <ProblemAlert error={revoke.error} className="mt-2" /> : null}
    </>
  );
}

/** LocaleForm picks a language and a time zone; allowFollow offers "follow the org" (empty). */
function LocaleForm({
  id,
  initial,
  orgDefault,
  submitLabel,
  save,
}: {
  id: string;
  initial: { language: string; timezone: string };
  orgDefault?: { language: string; timezone: string };
  submitLabel: string;
  save: (v: { language: string; timezone: string }) => Promise<unknown>;
}) {
  const { t } = useTranslation("auth");
  const qc = useQueryClient();
  const [language, setLanguage] = useState(initial.language);
  const [timezone, setTimezone] = useState(initial.timezone);
  const zones = timeZones();
  const m = useMutation({ mutationFn: () => save({ language, timezone }), onSuccess: () => void qc.invalidateQueries({ queryKey: ME_KEY }) });
  const fields = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const orgLang = orgDefault && isLanguage(orgDefault.language) ? LANGUAGE_NAMES[orgDefault.language] : orgDefault?.language;
  return (
    <form
      noValidate
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate();
      }}
    >
      <div className="w-56">
        <Field id={`${id}-language`} label={t("locale.language")} error={fields.language}>
          <Select {...fieldProps(`${id}-language`, fields.language)} value={language} onChange={(e) => setLanguage(e.target.value)}>
            {orgDefault && <option value="">{t("locale.followOrg", { value: orgLang })}</option>}
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <div className="w-72">
        <Field id={`${id}-timezone`} label={t("locale.timeZone")} error={fields.timezone}>
          <Select {...fieldProps(`${id}-timezone`, fields.timezone)} value={timezone} onChange={(e) => setTimezone(e.target.value)}>
            {orgDefault && <option value="">{t("locale.followOrg", { value: orgDefault.timezone })}</option>}
            {!zones.includes(timezone) && timezone && <option value={timezone}>{timezone}</option>}
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <Button type="submit" variant="primary" disabled={m.isPending}>
        {submitLabel}
      </Button>
      {m.isSuccess && (
        <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
          {t("locale.saved")}
        </p>
      )}
      {m.error && Object.keys(fields).length === 0 ? <ProblemAlert error={m.error} className="basis-full" /> : null}
    </form>
  );
}

function OrgLocale() {
  const { t } = useTranslation("auth");
  const q = useQuery({ queryKey: ["org", "locale"], queryFn: auth.orgLocale });
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.isPending) return <Spinner />;
  return (
    <div className="space-y-2" data-testid="org-locale">
      <h3 className="text-sm font-medium">{t("locale.orgTitle")}</h3>
      <p className="text-xs text-muted">{t("locale.orgIntro")}</p>
      <LocaleForm id="org-locale" initial={q.data} submitLabel={t("locale.orgSave")} save={auth.setOrgLocale} />
    </div>
  );
}

function Locale() {
  const { t } = useTranslation("auth");
  const { me, org, can } = useSession();
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const orgDefault = { language: org?.language || "en", timezone: org?.timezone || "UTC" };
  return (
    <div className="space-y-4">
      <p className="text-xs text-muted">{t("locale.intro")}</p>
      <LocaleForm
        id="my-locale"
        initial={{ language: me.user?.language ?? "", timezone: me.user?.timezone ?? "" }}
        orgDefault={orgDefault}
        submitLabel={t("locale.save")}
        save={auth.setPreferences}
      />
      <p className="text-xs text-muted" data-testid="locale-now">
        {t("locale.now", { time: `${fmtTime(new Date().toISOString())} (${formatPrefs().timeZone})` })} · {t("locale.browserZone", { zone: browserZone })}
      </p>
      {can("admin:org") && <OrgLocale />}
    </div>
  );
}

export function AccountPage() {
  const { t } = useTranslation("auth");
  const { me } = useSession();
  if (!me.user)
    return (
      <div>
        <PageHeader title={t("account.title")} />
        <p className="p-4 text-sm text-muted">{t("account.apiKey")}</p>
      </div>
    );
  return (
    <div>
      <PageHeader title={t("account.title")} />
      <div className="space-y-4 p-4">
        <Section title={t("account.profile")}>
          <dl className="grid grid-cols-[8rem_1fr] gap-1 text-sm">
            <dt className="text-muted">{t("account.name")}</dt>
            <dd>{me.user.name || "—"}</dd>
            <dt className="text-muted">{t("account.email")}</dt>
            <dd>{me.user.email}</dd>
            <dt className="text-muted">{t("account.userId")}</dt>
            <dd className="font-mono text-xs">{me.user.id}</dd>
            <dt className="text-muted">{t("account.orgs")}</dt>
            <dd>{me.orgs.map((o) => `${o.name} (${o.role})`).join(", ") || "—"}</dd>
          </dl>
        </Section>
        <Section title={t("account.locale")}>
          <Locale />
        </Section>
        <Section title={t("account.mfa")}>
          <MFA email={me.user.email} />
        </Section>
        <Section title={t("account.password")}>
          <Password />
        </Section>
        <Section title={t("account.sessions")}>
          <Sessions />
        </Section>
      </div>
    </div>
  );
}
