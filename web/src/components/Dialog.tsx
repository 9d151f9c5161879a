// Modal dialogs on the native <dialog> element: showModal() makes the rest
// of the page inert and keeps the focus inside, Esc closes, the title names
// it. (Radix Dialog injects an inline <style>, which the strict CSP blocks.)
import { useEffect, useId, useRef, type ReactNode } from "react";

export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  wide,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      aria-describedby={description ? `${id}-desc` : undefined}
      onClose={() => onOpenChange(false)}
      onCancel={(e) => {
        e.preventDefault();
        onOpenChange(false);
      }}
      className={`m-auto max-h-[85vh] w-[calc(100vw-2rem)] overflow-y-auto rounded border border-slate-200 bg-white p-4 text-sm text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 ${wide ? "max-w-2xl" : "max-w-md"}`}
    >
      {open ? (
        <>
          <h2 id={`${id}-title`} className="mb-1 text-base font-semibold">
            {title}
          </h2>
          {description ? (
            <p id={`${id}-desc`} className="mb-3 text-muted">
              {description}
            </p>
          ) : null}
          {children}
        </>
      ) : null}
    </dialog>
  );
}
