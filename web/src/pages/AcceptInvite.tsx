import { useState, type FormEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link } from "react-router";
import { members } from "../api/endpoints";
import { ApiError } from "../api/problem";
import type { Member } from "../api/types";
import { Button, Field, Input, ProblemAlert, fieldProps } from "../components/ui";

/** tokenFromHash reads the invitation token from "#token=…" (kept out of server logs). */
export function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token") ?? "";
}

export function AcceptInvitePage() {
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Member | null>(null);
  const [busy, setBusy] = useState(false);
  const { t } = useTranslation("auth");
  const fields = error instanceof ApiError ? error.fieldErrors() : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setDone(await members.acceptInvitation({ token, name: name.trim() || undefined, password: password || undefined }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="grid min-h-full place-items-center bg-slate-100 p-4 dark:bg-slate-950">
      <div className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-lg font-semibold">{t("invite.title")}</h1>
        {!token ? (
          <p className="text-sm text-red-700 dark:text-red-400">{t("invite.noToken")}</p>
        ) : done ? (
          <div className="space-y-3 text-sm">
            <p>
              <Trans t={t} i18nKey="invite.welcome" values={{ email: done.email, role: done.role }} components={{ strong: <strong /> }} />
            </p>
            <Link className="text-sky-700 hover:underline dark:text-sky-400" to="/login">
              {t("invite.signIn")}
            </Link>
          </div>
        ) : (
          <form onSubmit={submit} noValidate className="space-y-3">
            <p className="text-xs text-muted">{t("invite.intro")}</p>
            {error && Object.keys(fields).length === 0 ? <ProblemAlert error={error} /> : null}
            <Field id="name" label={t("invite.name")} error={fields.name}>
              <Input {...fieldProps("name", fields.name)} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field id="password" label={t("invite.password")} error={fields.password}>
              <Input {...fieldProps("password", fields.password)} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <Button type="submit" variant="primary" className="w-full" disabled={busy}>
              {t("invite.submit")}
            </Button>
          </form>
        )}
      </div>
    </main>
  );
}
