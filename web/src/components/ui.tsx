// Small styled building blocks on top of native elements and Radix primitives.
import * as CheckboxPrimitive from "@radix-ui/react-checkbox";
import * as LabelPrimitive from "@radix-ui/react-label";
import { useTranslation } from "react-i18next";
import { forwardRef, useState, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";
import { ApiError } from "../api/problem";
import type { AlertStatus, Severity } from "../api/types";
import { cx } from "../lib/format";

type Variant = "primary" | "secondary" | "danger" | "ghost" | "dangerGhost";

const variants: Record<Variant, string> = {
  primary: "bg-sky-700 text-white hover:bg-sky-800 disabled:bg-slate-300 disabled:text-muted dark:disabled:bg-slate-800 dark:disabled:text-muted",
  secondary:
    "border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800",
  danger: "bg-red-700 text-white hover:bg-red-600 disabled:opacity-50",
  ghost: "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
  dangerGhost: "text-red-700 hover:bg-red-50 disabled:opacity-50 dark:text-red-400 dark:hover:bg-red-950/40",
};

export const Button = forwardRef<HTMLButtonElement, ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; size?: "sm" | "md" }>(
  function Button({ variant = "secondary", size = "md", className, type = "button", ...rest }, ref) {
    return (
      <button
        ref={ref}
        type={type}
        className={cx(
          "inline-flex items-center justify-center gap-1.5 rounded font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-500 disabled:cursor-not-allowed",
          size === "sm" ? "h-7 px-2 text-xs" : "h-8 px-3 text-sm",
          variants[variant],
          className,
        )}
        {...rest}
      />
    );
  },
);

const control =
  "h-8 rounded border border-slate-300 bg-white px-2 text-sm text-slate-900 placeholder:text-slate-400 focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 aria-[invalid=true]:border-red-500";

export const Input = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function Input({ className, ...rest }, ref) {
  return <input ref={ref} className={cx(control, width(className), className)} {...rest} />;
});

export const Select = forwardRef<HTMLSelectElement, SelectHTMLAttributes<HTMLSelectElement>>(function Select({ className, ...rest }, ref) {
  return <select ref={ref} className={cx(control, "pr-6", width(className), className)} {...rest} />;
});

/** width makes controls full-width unless the caller gives a width. */
function width(className: string | undefined): string {
  return /(^|\s)w-/.test(className ?? "") ? "" : "w-full";
}

/** Field: a label, a control and the field's error (from a problem's errors[]) with aria wiring. */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1">
      <LabelPrimitive.Root htmlFor={id} className="block text-xs font-medium text-slate-600 dark:text-slate-400">
        {label}
      </LabelPrimitive.Root>
      {children}
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-muted">{hint}</p>
      ) : null}
    </div>
  );
}

/** fieldProps wires a control to its Field error. */
export function fieldProps(id: string, error?: string) {
  return { id, name: id, "aria-invalid": error ? true : undefined, "aria-describedby": error ? `${id}-error` : undefined };
}

export function Checkbox({
  checked,
  onCheckedChange,
  label,
  className,
}: {
  checked: boolean | "indeterminate";
  onCheckedChange: (v: boolean) => void;
  label: string;
  className?: string;
}) {
  return (
    <CheckboxPrimitive.Root
      checked={checked}
      onCheckedChange={(v) => onCheckedChange(v === true)}
      aria-label={label}
      className={cx(
        "flex h-4 w-4 shrink-0 items-center justify-center rounded-sm border border-slate-400 bg-white focus-visible:outline-2 focus-visible:outline-sky-500 data-[state=checked]:border-sky-500 data-[state=checked]:bg-sky-600 data-[state=indeterminate]:bg-sky-800 dark:border-slate-600 dark:bg-slate-900",
        className,
      )}
    >
      <CheckboxPrimitive.Indicator className="text-[10px] leading-none font-bold text-white">
        {checked === "indeterminate" ? "–" : "✓"}
      </CheckboxPrimitive.Indicator>
    </CheckboxPrimitive.Root>
  );
}

const sevClasses: Record<Severity, string> = {
  fatal: "bg-fuchsia-700 text-white",
  critical: "bg-red-700 text-white",
  high: "bg-orange-700 text-white",
  medium: "bg-amber-400 text-slate-950",
  low: "bg-sky-700 text-white",
  informational: "bg-slate-600 text-white",
  unknown: "bg-slate-700 text-slate-200",
  other: "bg-slate-700 text-slate-200",
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useTranslation();
  return (
    <span className={cx("inline-block w-[4.75rem] rounded px-1 py-0.5 text-center text-[11px] font-semibold uppercase tracking-wide", sevClasses[severity])}>
      {t(`common:severity.${severity}`, { defaultValue: severity })}
    </span>
  );
}

const statusClasses: Record<AlertStatus, string> = {
  new: "border-sky-500 text-sky-700 dark:text-sky-300",
  triaged: "border-violet-500 text-violet-800 dark:text-violet-300",
  in_progress: "border-amber-500 text-amber-800 dark:text-amber-300",
  resolved: "border-emerald-600 text-emerald-700 dark:text-emerald-400",
  false_positive: "border-slate-500 text-slate-600 dark:text-slate-400",
  suppressed: "border-slate-600 text-muted",
};

export function StatusBadge({ status }: { status: AlertStatus }) {
  const { t } = useTranslation();
  return (
    <span className={cx("inline-block rounded border px-1.5 py-px text-[11px] font-medium whitespace-nowrap", statusClasses[status] ?? statusClasses.new)}>
      {t(`common:status.${status}`, { defaultValue: status })}
    </span>
  );
}

export function Tag({ children }: { children: ReactNode }) {
  return (
    <span className="inline-block rounded bg-slate-200 px-1.5 py-px font-mono text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300">
      {children}
    </span>
  );
}

/** ProblemAlert shows an API error: detail, code, request id and non-field issues. */
export function ProblemAlert({ error, className }: { error: unknown; className?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const general = e ? e.generalErrors() : [];
  const fields = e ? e.errors.filter((x) => x.location) : [];
  return (
    <div role="alert" className={cx("rounded border border-red-700/60 bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/40 dark:text-red-200", className)}>
      <p className="font-medium">{e ? e.detail : error instanceof Error ? error.message : String(error)}</p>
      {general.length > 0 && (
        <ul className="mt-1 list-disc pl-5 text-xs">
          {general.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      {fields.length > 0 && (
        <ul className="mt-1 list-disc pl-5 text-xs">
          {fields.map((f) => (
            <li key={`${f.location}${f.message}`}>
              <span className="font-mono">{f.location}</span>: {f.message}
            </li>
          ))}
        </ul>
      )}
      {e && (
        <p className="mt-1 font-mono text-[11px] opacity-75">
          {e.code}
          {e.status ? ` · ${t("common:problem.http", { status: e.status })}` : ""}
          {e.requestId ? ` · ${t("common:problem.request", { id: e.requestId })}` : ""}
        </p>
      )}
    </div>
  );
}

export function Spinner({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <span role="status" className="inline-flex items-center gap-2 text-xs text-muted">
      <span className="h-3 w-3 animate-spin rounded-full border-2 border-slate-500 border-t-transparent" />
      {t("common:loadingEllipsis", { label: label ?? t("common:loading") })}
    </span>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2.5 dark:border-slate-800">
      <h1 className="text-base font-semibold text-slate-900 dark:text-slate-100">{title}</h1>
      <div className="flex flex-wrap items-center gap-2">{children}</div>
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="rounded border border-slate-200 dark:border-slate-800">
      <header className="flex items-center justify-between border-b border-slate-200 px-3 py-1.5 dark:border-slate-800">
        <h2 className="text-xs font-semibold tracking-wide text-muted uppercase dark:text-slate-400">{title}</h2>
        {actions}
      </header>
      <div className="p-3">{children}</div>
    </section>
  );
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState<"idle" | "ok" | "fail">("idle");
  return (
    <Button
      size="sm"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setDone("ok"),
          () => setDone("fail"),
        );
      }}
    >
      {done === "ok" ? t("common:copied") : done === "fail" ? t("common:copyFailed") : (label ?? t("common:copy"))}
    </Button>
  );
}

export const th = "px-2 py-1.5 text-left text-[11px] font-semibold tracking-wide text-muted uppercase";
export const td = "px-2 py-1.5 align-top";
