// Shared pieces of the intel pages: the section navigation and badges.
import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { PageHeader } from "../../components/ui";
import { cx } from "../../lib/format";
import { TLP_CLASSES, type TLP } from "./intelApi";

const TABS = [
  { to: "/intel", label: "Indicators", end: true },
  { to: "/intel/import", label: "Import" },
  { to: "/intel/feeds", label: "Feeds" },
  { to: "/intel/allowlist", label: "Allowlist" },
];

/** IntelHeader is the page title with the intel section's navigation. */
export function IntelHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <>
      <PageHeader title={title}>{children}</PageHeader>
      <nav aria-label="Threat intel" className="flex gap-1 border-b border-slate-200 px-4 py-1.5 dark:border-slate-800">
        {TABS.map((t) => (
          <NavLink
            key={t.to}
            to={t.to}
            end={t.end}
            className={({ isActive }) =>
              cx(
                "rounded px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500",
                isActive ? "bg-sky-600/15 font-medium text-sky-700 dark:text-sky-300" : "text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800",
              )
            }
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
    </>
  );
}

export function TLPBadge({ tlp }: { tlp: TLP }) {
  return (
    <span className={cx("inline-block rounded border px-1.5 py-px font-mono text-[11px] whitespace-nowrap", TLP_CLASSES[tlp] ?? TLP_CLASSES.amber)}>
      TLP:{tlp.toUpperCase()}
    </span>
  );
}

const HEALTH_CLASSES: Record<string, string> = {
  ok: "border-emerald-600 text-emerald-800 dark:text-emerald-300",
  failing: "border-red-600 text-red-800 dark:text-red-300",
  stale: "border-amber-500 text-amber-800 dark:text-amber-300",
  never: "border-slate-400 text-slate-700 dark:text-slate-300",
  manual: "border-slate-400 text-slate-700 dark:text-slate-300",
};

export function HealthBadge({ health }: { health: string }) {
  return <span className={cx("inline-block rounded border px-1.5 py-px text-[11px] whitespace-nowrap", HEALTH_CLASSES[health] ?? HEALTH_CLASSES.never)}>{health}</span>;
}
