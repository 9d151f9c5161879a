// Route guards: a page the selected role cannot use says so instead of
// showing forms that would end in 403.
import type { ReactNode } from "react";
import { Link, Navigate } from "react-router";
import { useSession } from "../auth/session";
import { PageHeader } from "./ui";

/** SETTINGS are the settings pages in menu order with the permission each needs. */
export const SETTINGS: { to: string; label: string; perm: string }[] = [
  { to: "/settings/api-keys", label: "API keys", perm: "apikeys:manage" },
  { to: "/settings/members", label: "Members", perm: "admin:users" },
  { to: "/settings/audit", label: "Audit log", perm: "audit:read" },
];

export function RequirePermission({ perm, title, children }: { perm: string; title: string; children: ReactNode }) {
  const { can, org } = useSession();
  if (can(perm)) return <>{children}</>;
  return (
    <div>
      <PageHeader title={title} />
      <div className="space-y-2 p-6 text-sm" data-testid="no-access">
        <p>
          Your role in {org?.name ?? "this organization"} ({org?.role ?? "none"}) does not include <code className="font-mono text-xs">{perm}</code>, which this page needs.
        </p>
        <p className="text-muted">Ask an owner or admin of the organization if you need it.</p>
        <Link to="/alerts" className="text-sky-700 hover:underline dark:text-sky-400">
          Back to alerts
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
