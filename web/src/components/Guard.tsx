// Route guards: a page the selected role cannot use says so instead of
// showing forms that would end in 403.
import type { ReactNode } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link, Navigate } from "react-router";
import { useSession } from "../auth/session";
import { PageHeader } from "./ui";

/** SETTINGS are the settings pages in menu order with the permission each needs (label: an i18n key). */
export const SETTINGS: { to: string; label: string; perm: string }[] = [
  { to: "/settings/api-keys", label: "shell:nav.apiKeys", perm: "apikeys:manage" },
  { to: "/settings/members", label: "shell:nav.members", perm: "admin:users" },
  { to: "/settings/audit", label: "shell:nav.audit", perm: "audit:read" },
  { to: "/settings/sources", label: "shell:nav.sources", perm: "sources:manage" },
  { to: "/settings/roles", label: "shell:nav.roles", perm: "admin:users" },
  { to: "/settings/sso", label: "shell:nav.sso", perm: "admin:org" },
  { to: "/settings/policies", label: "shell:nav.policies", perm: "admin:org" },
];

/** RequirePermission shows children only when the role has perm; titleKey is the i18n key of the page title. */
export function RequirePermission({ perm, titleKey, children }: { perm: string; titleKey: string; children: ReactNode }) {
  const { can, org } = useSession();
  const { t } = useTranslation();
  if (can(perm)) return <>{children}</>;
  return (
    <div>
      <PageHeader title={t(titleKey)} />
      <div className="space-y-2 p-6 text-sm" data-testid="no-access">
        <p>
          <Trans
            i18nKey="common:guard.noAccess"
            values={{ org: org?.name ?? t("common:guard.thisOrg"), role: org?.role ?? t("common:none"), perm }}
            components={{ code: <code className="font-mono text-xs" /> }}
          />
        </p>
        <p className="text-muted">{t("common:guard.askAdmin")}</p>
        <Link to="/alerts" className="text-sky-700 hover:underline dark:text-sky-400">
          {t("common:guard.back")}
        </Link>
      </div>
    </div>
  );
}

/** SettingsIndex opens the first settings page the role can use. */
export function SettingsIndex() {
  const { can } = useSession();
  const first = SETTINGS.find((s) => can(s.perm));
  return <Navigate to={first?.to ?? "/settings/api-keys"} replace />;
}
