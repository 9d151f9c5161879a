// Two-factor authentication on the account page: enrol with the QR code the
// server renders (a data:image/png URL, no third party sees the secret),
// confirm with a code, keep the recovery codes shown once, regenerate them,
// turn MFA off. Every change needs a current code.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import i18n from "../i18n";
import { auth, type RecoveryCodes } from "../api/endpoints";
import { ApiError } from "../api/problem";
import { ME_KEY } from "../auth/session";
import { Button, CopyButton, Field, Input, ProblemAlert, Spinner, fieldProps } from "../components/ui";

export const MFA_KEY = ["my-mfa"] as const;

/** recoveryCodesText is the downloadable text file of a set of recovery codes. */
export function recoveryCodesText(codes: string[], email: string, now = new Date()): string {
  return [
    i18n.t("auth:mfa.fileTitle", { email }),
    i18n.t("auth:mfa.fileCreated", { time: now.toISOString() }),
    "",
    ...codes,
    "",
  ].join("\n");
}

/** CodeForm asks for a current 6-digit authenticator code before an action. */
function CodeForm({
  id,
  label,
  submit,
  variant = "primary",
  pending,
  error,
  onSubmit,
}: {
  id: string;
  label: string;
  submit: string;
  variant?: "primary" | "danger";
  pending: boolean;
  error: unknown;
  onSubmit: (code: string) => void;
}) {
  const [code, setCode] = useState("");
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  return (
    <form
      noValidate
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (/^\d{6}$/.test(code)) onSubmit(code);
      }}
    >
      <div className="w-44">
        <Field id={id} label={label} error={fields.code}>
          <Input
            {...fieldProps(id, fields.code)}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, ""))}
          />
        </Field>
      </div>
      <Button type="submit" variant={variant} disabled={pending || code.length !== 6}>
        {submit}
      </Button>
      {error && !fields.code ? <ProblemAlert error={error} className="basis-full" /> : null}
    </form>
  );
}

/** ShownCodes lists freshly issued recovery codes once, with copy and download. */
function ShownCodes({ result, email, onDone }: { result: RecoveryCodes; email: string; onDone: () => void }) {
  const codes = result.recovery_codes ?? [];
  const { t } = useTranslation("auth");
  const [url, setUrl] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([recoveryCodesText(result.recovery_codes ?? [], email)], { type: "text/plain" }));
    setUrl(u);
    heading.current?.focus();
    return () => URL.revokeObjectURL(u);
  }, [result, email]);
  return (
    <div className="space-y-2 rounded border border-amber-600/60 bg-amber-50 p-3 dark:bg-amber-950/30" data-testid="recovery-codes">
      <h3 ref={heading} tabIndex={-1} className="text-sm font-semibold focus:outline-none">
        {t("mfa.codesTitle")}
      </h3>
      <p className="text-sm">
        {t("mfa.codesIntro")}
        {result.revoked_sessions > 0 ? t("mfa.revoked", { count: result.revoked_sessions }) : ""}
      </p>
      <ol className="grid max-w-md grid-cols-2 gap-x-6 gap-y-1 font-mono text-sm select-all" aria-label={t("mfa.codesLabel")}>
        {codes.map((c) => (
          <li key={c} data-testid="recovery-code">
            {c}
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={codes.join("\n")} label={t("mfa.copyCodes")} />
        {url ? (
          <a
            href={url}
            download="securenexus-recovery-codes.txt"
            className="inline-flex h-7 items-center rounded border border-slate-300 bg-white px-2 text-xs font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200"
          >
            {t("mfa.download")}
          </a>
        ) : null}
        <Button size="sm" variant="primary" onClick={onDone}>
          {t("mfa.saved")}
        </Button>
      </div>
    </div>
  );
}

export function MFA({ email }: { email: string }) {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: MFA_KEY, queryFn: auth.mfa });
  const { t } = useTranslation("auth");
  const [shown, setShown] = useState<RecoveryCodes | null>(null);
  const [action, setAction] = useState<"none" | "regenerate" | "disable">("none");
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: MFA_KEY });
    void qc.invalidateQueries({ queryKey: ME_KEY });
  };
  const enroll = useMutation({ mutationFn: auth.enrollMFA });
  const verify = useMutation({
    mutationFn: auth.verifyMFA,
    onSuccess: (res) => {
      enroll.reset();
      setShown(res);
      refresh();
    },
  });
  const regenerate = useMutation({
    mutationFn: auth.regenerateRecoveryCodes,
    onSuccess: (res) => {
      setAction("none");
      setShown(res);
      refresh();
    },
  });
  const disable = useMutation({
    mutationFn: auth.disableMFA,
    onSuccess: () => {
      setAction("none");
      setShown(null);
      refresh();
    },
  });

  if (status.error) return <ProblemAlert error={status.error} />;
  if (status.isPending) return <Spinner label={t("mfa.loading")} />;
  const st = status.data;

  if (shown) return <ShownCodes result={shown} email={email} onDone={() => setShown(null)} />;

  if (st.enabled) {
    const left = st.recovery_codes_left;
    return (
      <div className="space-y-3">
        <p className="text-sm" data-testid="mfa-state">
          <Trans t={t} i18nKey="mfa.on" components={{ strong: <strong className="text-emerald-700 dark:text-emerald-400" /> }} />{" "}
          <span className={left <= 3 ? "font-medium text-amber-800 dark:text-amber-300" : ""} data-testid="recovery-left">
            {t("mfa.left", { count: left })}
            {left <= 3 ? t("mfa.leftLow") : t("mfa.leftOk")}
          </span>
        </p>
        <div className="flex flex-wrap gap-2">
          <Button size="sm" aria-expanded={action === "regenerate"} onClick={() => setAction(action === "regenerate" ? "none" : "regenerate")}>
            {t("mfa.regenerate")}
          </Button>
          <Button size="sm" variant="dangerGhost" aria-expanded={action === "disable"} onClick={() => setAction(action === "disable" ? "none" : "disable")}>
            {t("mfa.turnOff")}
          </Button>
        </div>
        {action === "regenerate" && (
          <div className="space-y-2">
            <p className="text-sm text-muted">{t("mfa.regenerateIntro")}</p>
            <CodeForm id="mfa-regen-code" label={t("mfa.code")} submit={t("mfa.regenerateSubmit")} pending={regenerate.isPending} error={regenerate.error} onSubmit={(c) => regenerate.mutate(c)} />
          </div>
        )}
        {action === "disable" && (
          <div className="space-y-2">
            <p className="text-sm text-muted">
              {t("mfa.disableIntro")}
            </p>
            <CodeForm
              id="mfa-disable-code"
              label={t("mfa.code")}
              submit={t("mfa.disableSubmit")}
              variant="danger"
              pending={disable.isPending}
              error={disable.error}
              onSubmit={(c) => disable.mutate(c)}
            />
          </div>
        )}
      </div>
    );
  }

  if (!enroll.data)
    return (
      <div className="space-y-2">
        <p className="text-sm" data-testid="mfa-state">
          <Trans t={t} i18nKey="mfa.off" components={{ strong: <strong /> }} />
        </p>
        {disable.isSuccess ? (
          <p role="status" className="text-xs text-emerald-700 dark:text-emerald-400">
            {t("mfa.turnedOff")}
          </p>
        ) : null}
        <Button variant="primary" onClick={() => enroll.mutate()} disabled={enroll.isPending}>
          {enroll.isPending ? t("mfa.preparing") : t("mfa.setup")}
        </Button>
        {enroll.error ? <ProblemAlert error={enroll.error} /> : null}
      </div>
    );

  const e = enroll.data;
  return (
    <div className="space-y-3" data-testid="mfa-enroll">
      <p className="text-sm">{t("mfa.scan")}</p>
      <div className="flex flex-wrap items-start gap-4">
        <img src={e.qr_png} alt={t("mfa.qrAlt")} width={192} height={192} className="h-48 w-48 rounded bg-white p-2" data-testid="mfa-qr" />
        <div className="min-w-0 space-y-2">
          <p className="text-xs text-muted">{t("mfa.secret")}</p>
          <code className="block rounded bg-slate-100 px-2 py-1 font-mono text-sm tracking-wider break-all select-all dark:bg-slate-900" data-testid="mfa-secret">
            {e.secret}
          </code>
          <div className="flex flex-wrap gap-2">
            <CopyButton text={e.secret} label={t("mfa.copySecret")} />
            <CopyButton text={e.otpauth_url} label={t("mfa.copyUrl")} />
            <Button size="sm" variant="ghost" onClick={() => enroll.reset()}>
              {t("common:cancel")}
            </Button>
          </div>
        </div>
      </div>
      <CodeForm id="mfa-code" label={t("mfa.appCode")} submit={t("mfa.turnOn")} pending={verify.isPending} error={verify.error} onSubmit={(c) => verify.mutate(c)} />
    </div>
  );
}
