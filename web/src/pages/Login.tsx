import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { auth } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { ME_KEY } from "../auth/session";
import { Button, Field, Input, ProblemAlert, fieldProps } from "../components/ui";

/** needsTOTP tells whether a login answer asks for the second factor. */
export function needsTOTP(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  return err.code === "mfa_required";
}

/** safeNext keeps redirects inside the app. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/alerts";
  return next;
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { t } = useTranslation("auth");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [askTotp, setAskTotp] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const [recovery, setRecovery] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const totpRef = useRef<HTMLInputElement>(null);
  const recoveryRef = useRef<HTMLInputElement>(null);

  const fields = error instanceof ApiError ? error.fieldErrors() : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await auth.login({
        email,
        password,
        totp_code: askTotp && !useRecovery ? totp : undefined,
        recovery_code: askTotp && useRecovery ? recovery.trim() : undefined,
      });
      // A new session, maybe another user: drop everything cached before.
      qc.clear();
      qc.setQueryData(ME_KEY, me);
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (err) {
      if (!askTotp && needsTOTP(err)) {
        setAskTotp(true);
        setTimeout(() => totpRef.current?.focus(), 0);
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="grid min-h-full place-items-center bg-slate-100 p-4 dark:bg-slate-950">
      <form onSubmit={submit} noValidate className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <h1 className="text-lg font-semibold">{t("login.title")}</h1>
        </div>
        {error && Object.keys(fields).length === 0 ? <ProblemAlert error={error} /> : null}
        <Field id="email" label={t("login.email")} error={fields.email}>
          <Input {...fieldProps("email", fields.email)} type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field id="password" label={t("login.password")} error={fields.password}>
          <Input
            {...fieldProps("password", fields.password)}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        {askTotp && !useRecovery && (
          <Field id="totp_code" label={t("login.totp")} error={fields.totp_code} hint={t("login.totpHint")}>
            <Input
              {...fieldProps("totp_code", fields.totp_code)}
              ref={totpRef}
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]*"
              maxLength={6}
              value={totp}
              onChange={(e) => setTotp(e.target.value.replace(/\D/g, ""))}
            />
          </Field>
        )}
        {askTotp && useRecovery && (
          <Field id="recovery_code" label={t("login.recovery")} error={fields.recovery_code} hint={t("login.recoveryHint")}>
            <Input
              {...fieldProps("recovery_code", fields.recovery_code)}
              ref={recoveryRef}
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              value={recovery}
              onChange={(e) => setRecovery(e.target.value)}
            />
          </Field>
        )}
        {askTotp && (
          <button
            type="button"
            className="text-xs text-sky-700 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-400"
            onClick={() => {
              const next = !useRecovery;
              setUseRecovery(next);
              setError(null);
              setTimeout(() => (next ? recoveryRef : totpRef).current?.focus(), 0);
            }}
          >
            {useRecovery ? t("login.useTotp") : t("login.useRecovery")}
          </button>
        )}
        <Button type="submit" variant="primary" className="w-full" disabled={busy}>
          {busy ? t("login.busy") : t("login.submit")}
        </Button>
      </form>
    </main>
  );
}
