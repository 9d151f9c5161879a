import * as Menu from "@radix-ui/react-dropdown-menu";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";
import { SETTINGS } from "./Guard";
import { NotificationBell } from "./NotificationBell";
import { useSession } from "../auth/session";
import { cx } from "../lib/format";

const THEME_KEY = "securenexus.theme";

export function applyStoredTheme() {
  let theme = "dark";
  try {
    theme = localStorage.getItem(THEME_KEY) ?? "dark";
  } catch {
    /* storage unavailable: keep the default */
  }
  document.documentElement.classList.toggle("dark", theme !== "light");
}

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(() => (document.documentElement.classList.contains("dark") ? "dark" : "light"));
  useEffect(() => {
    document.documentElement.classList.toggle("dark", theme === "dark");
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      /* not remembered */
    }
  }, [theme]);
  return [theme, () => setTheme((t) => (t === "dark" ? "light" : "dark"))];
}

const menuContent =
  "z-50 min-w-52 rounded border border-slate-200 bg-white p-1 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900";
const menuItem =
  "flex cursor-default items-center justify-between gap-3 rounded px-2 py-1.5 outline-none select-none data-[highlighted]:bg-sky-600 data-[highlighted]:text-white";

function OrgSwitcher() {
  const { me, org, selectOrg } = useSession();
  const { t } = useTranslation("shell");
  if (me.orgs.length === 0) return <span className="text-xs text-muted">{t("org.none")}</span>;
  return (
    <Menu.Root modal={false}>
      <Menu.Trigger
        className="flex h-7 max-w-60 items-center gap-2 rounded border border-slate-300 px-2 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
        data-testid="org-switcher"
      >
        <span className="sr-only">{t("org.label")}</span>
        <span className="truncate font-medium" data-testid="org-name">
          {org?.name ?? t("org.select")}
        </span>
        <span className="text-muted">{org?.role}</span>
        <span aria-hidden>▾</span>
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className={menuContent} align="start" sideOffset={4}>
          <Menu.Label className="px-2 py-1 text-[11px] text-muted uppercase">{t("org.heading")}</Menu.Label>
          <Menu.RadioGroup value={org?.id} onValueChange={selectOrg}>
            {me.orgs.map((o) => (
              <Menu.RadioItem key={o.id} value={o.id} className={menuItem}>
                <span className="truncate">{o.name}</span>
                <span className="text-xs opacity-70">{o.role}</span>
              </Menu.RadioItem>
            ))}
          </Menu.RadioGroup>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}

function UserMenu() {
  const { me, logout } = useSession();
  const [theme, toggle] = useTheme();
  const navigate = useNavigate();
  const { t } = useTranslation("shell");
  return (
    <Menu.Root modal={false}>
      <Menu.Trigger
        className="flex h-7 items-center gap-1 rounded px-2 text-xs hover:bg-slate-100 dark:hover:bg-slate-800"
      >
        <span className="sr-only">{t("user.menu")}</span>
        <span className="max-w-48 truncate">{me.user ? me.user.name || me.user.email : t("user.apiKey")}</span>
        <span aria-hidden>▾</span>
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className={menuContent} align="end" sideOffset={4}>
          <div className="px-2 py-1 text-xs text-muted">{me.user?.email}</div>
          <Menu.Separator className="my-1 h-px bg-slate-200 dark:bg-slate-700" />
          {me.user && (
            <Menu.Item className={menuItem} onSelect={() => navigate("/account")}>
              {t("user.account")}
            </Menu.Item>
          )}
          <Menu.Item className={menuItem} onSelect={toggle}>
            {theme === "dark" ? t("user.lightTheme") : t("user.darkTheme")}
          </Menu.Item>
          <Menu.Item className={menuItem} onSelect={() => void logout()}>
            {t("user.signOut")}
          </Menu.Item>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}

function NavItem({ to, children }: { to: string; children: ReactNode }) {
  return (
    <NavLink
      to={to}
      className={({ isActive }) =>
        cx(
          "block rounded px-2 py-1 text-sm",
          isActive ? "bg-sky-600/15 font-medium text-sky-700 dark:text-sky-300" : "text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800",
        )
      }
    >
      {children}
    </NavLink>
  );
}

export function Shell() {
  const { can } = useSession();
  const { t } = useTranslation("shell");
  return (
    <div className="flex h-full flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        {t("skip")}
      </a>
      <header className="flex h-10 shrink-0 items-center justify-between border-b border-slate-200 px-3 dark:border-slate-800">
        <div className="flex items-center gap-3">
          <NavLink to="/alerts" className="flex items-center gap-1.5 font-semibold">
            <img src="/favicon.svg" alt="" className="h-5 w-5" />
            SecureNexus
          </NavLink>
          <OrgSwitcher />
        </div>
        <div className="flex items-center gap-1">
          <NotificationBell />
          <UserMenu />
        </div>
      </header>
      <div className="flex min-h-0 flex-1">
        <nav aria-label={t("mainNav")} className="w-44 shrink-0 space-y-4 overflow-y-auto border-r border-slate-200 p-2 dark:border-slate-800">
          <div className="space-y-0.5">
            {can("alerts:read") && <NavItem to="/alerts">{t("nav.alerts")}</NavItem>}
            {can("incidents:read") && <NavItem to="/incidents">{t("nav.incidents")}</NavItem>}
            {can("incidents:read") && <NavItem to="/correlation/rules">{t("nav.correlationRules")}</NavItem>}
            {can("incidents:read") && <NavItem to="/correlation/suppressions">{t("nav.suppressions")}</NavItem>}
            {can("intel:read") && <NavItem to="/intel">{t("nav.intel")}</NavItem>}
          </div>
          {SETTINGS.some((p) => can(p.perm)) && (
            <div className="space-y-0.5">
              <p className="px-2 text-[11px] font-semibold tracking-wide text-muted uppercase">{t("nav.settings")}</p>
              {SETTINGS.filter((p) => can(p.perm)).map((p) => (
                <NavItem key={p.to} to={p.to}>
                  {t(p.label)}
                </NavItem>
              ))}
            </div>
          )}
          <div className="space-y-0.5">
            <p className="px-2 text-[11px] font-semibold tracking-wide text-muted uppercase">{t("nav.platform")}</p>
            <NavItem to="/health">{t("nav.health")}</NavItem>
            <NavItem to="/docs/api">{t("nav.apiReference")}</NavItem>
          </div>
        </nav>
        <main id="main" className="min-w-0 flex-1 overflow-y-auto">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
