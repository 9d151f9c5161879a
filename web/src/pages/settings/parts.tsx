// Building blocks shared by the admin settings pages.
import { useTranslation } from "react-i18next";
import type { ReactNode } from "react";
import { Dialog } from "../../components/Dialog";
import { Button, CopyButton, ProblemAlert } from "../../components/ui";
import { textarea } from "../incidents/parts";

export { textarea };

/** ConfirmDialog asks before a destructive action; the problem of a refused action stays in the dialog. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  pending,
  error,
  onConfirm,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: string;
  confirmLabel: string;
  pending?: boolean;
  error?: unknown;
  onConfirm: () => void;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title} description={description}>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        {children}
        {error ? <ProblemAlert error={error} /> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={() => onOpenChange(false)}>{t("settings:parts.cancel")}</Button>
          <Button type="submit" variant="danger" disabled={pending}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** OnceBanner shows a secret that the server returns only once, with a copy button. */
export function OnceBanner({ title, value, testId, children, onDone }: { title: string; value: string; testId: string; children?: ReactNode; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <div role="status" className="space-y-2 rounded border border-emerald-600/60 bg-emerald-50 p-3 text-sm dark:bg-emerald-950/30">
      <p className="font-medium">{title}</p>
      <div className="flex flex-wrap items-center gap-2">
        <code data-testid={testId} className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all select-all dark:bg-slate-900">
          {value}
        </code>
        <CopyButton text={value} />
        <Button size="sm" variant="ghost" onClick={onDone}>
          {t("settings:parts.done")}
        </Button>
      </div>
      {children}
    </div>
  );
}

/** CopyLine shows a value to paste elsewhere (an intake or callback URL) with a copy button. */
export function CopyLine({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <div className="flex min-w-0 flex-wrap items-center gap-2">
      <span className="text-xs text-muted">{label}</span>
      <code data-testid={testId} className="min-w-0 flex-1 font-mono text-xs break-all">
        {value}
      </code>
      <CopyButton text={value} label={t("settings:parts.copy", { value: label })} />
    </div>
  );
}
