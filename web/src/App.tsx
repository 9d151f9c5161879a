import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Link, Navigate, Route, Routes } from "react-router";
import { ApiError } from "./api/problem";
import { RequireSession } from "./auth/session";
import { RequirePermission, SettingsIndex } from "./components/Guard";
import { Shell } from "./components/Shell";
import { AccountPage } from "./pages/Account";
import { AcceptInvitePage } from "./pages/AcceptInvite";
import { AlertDetailPage } from "./pages/AlertDetail";
import { AlertsPage } from "./pages/Alerts";
import { EntityPage } from "./pages/Entity";
import { ApiReferencePage } from "./pages/ApiReference";
import { HealthPage } from "./pages/Health";
import { LoginPage } from "./pages/Login";
import { ApiKeysPage } from "./pages/settings/ApiKeys";
import { AuditPage } from "./pages/settings/Audit";
import { MembersPage } from "./pages/settings/Members";
import { PoliciesPage } from "./pages/settings/Policies";
import { RolesPage } from "./pages/settings/Roles";
import { SourcesPage } from "./pages/settings/Sources";
import { SsoPage } from "./pages/settings/Sso";
import { IncidentDetailPage } from "./pages/incidents/IncidentDetail";
import { IncidentsPage } from "./pages/incidents/Incidents";
import { IncidentMetricsPage } from "./pages/incidents/Metrics";
import { CorrelationRulesPage } from "./pages/correlation/Rules";
import { SuppressionsPage } from "./pages/correlation/Suppressions";
import { AllowlistPage } from "./pages/intel/Allowlist";
import { FeedsPage } from "./pages/intel/Feeds";
import { ImportPage } from "./pages/intel/Import";
import { IndicatorDetailPage } from "./pages/intel/IndicatorDetail";
import { IndicatorsPage } from "./pages/intel/Indicators";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Retry only what may succeed later; never 4xx.
      retry: (n, err) => n < 2 && (!(err instanceof ApiError) || err.retryable),
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
  },
});

function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="p-6">
      <h1 className="text-base font-semibold">{t("common:notFound.title")}</h1>
      <Link to="/alerts" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
        {t("common:notFound.back")}
      </Link>
    </div>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/invite" element={<AcceptInvitePage />} />
          <Route
            element={
              <RequireSession>
                <Shell />
              </RequireSession>
            }
          >
            <Route index element={<Navigate to="/alerts" replace />} />
            <Route path="alerts" element={<AlertsPage />} />
            <Route path="alerts/:id" element={<AlertDetailPage />} />
            <Route path="entities/:type/*" element={<EntityPage />} />
            <Route
              path="incidents"
              element={
                <RequirePermission perm="incidents:read" titleKey="shell:nav.incidents">
                  <IncidentsPage />
                </RequirePermission>
              }
            />
            <Route
              path="incidents/metrics"
              element={
                <RequirePermission perm="incidents:read" titleKey="shell:nav.incidentMetrics">
                  <IncidentMetricsPage />
                </RequirePermission>
              }
            />
            <Route
              path="incidents/:id"
              element={
                <RequirePermission perm="incidents:read" titleKey="shell:nav.incident">
                  <IncidentDetailPage />
                </RequirePermission>
              }
            />
            <Route
              path="correlation/rules"
              element={
                <RequirePermission perm="incidents:read" titleKey="shell:nav.correlationRules">
                  <CorrelationRulesPage />
                </RequirePermission>
              }
            />
            <Route
              path="correlation/suppressions"
              element={
                <RequirePermission perm="incidents:read" titleKey="shell:nav.suppressions">
                  <SuppressionsPage />
                </RequirePermission>
              }
            />
            <Route
              path="intel"
              element={
                <RequirePermission perm="intel:read" titleKey="shell:nav.intel">
                  <IndicatorsPage />
                </RequirePermission>
              }
            />
            <Route
              path="intel/indicators/:id"
              element={
                <RequirePermission perm="intel:read" titleKey="shell:nav.intelIndicator">
                  <IndicatorDetailPage />
                </RequirePermission>
              }
            />
            <Route
              path="intel/import"
              element={
                <RequirePermission perm="intel:read" titleKey="shell:nav.intelImport">
                  <ImportPage />
                </RequirePermission>
              }
            />
            <Route
              path="intel/feeds"
              element={
                <RequirePermission perm="intel:read" titleKey="shell:nav.intelFeeds">
                  <FeedsPage />
                </RequirePermission>
              }
            />
            <Route
              path="intel/allowlist"
              element={
                <RequirePermission perm="intel:read" titleKey="shell:nav.intelAllowlist">
                  <AllowlistPage />
                </RequirePermission>
              }
            />
            <Route path="settings" element={<SettingsIndex />} />
            <Route
              path="settings/api-keys"
              element={
                <RequirePermission perm="apikeys:manage" titleKey="shell:nav.apiKeys">
                  <ApiKeysPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/members"
              element={
                <RequirePermission perm="admin:users" titleKey="shell:nav.members">
                  <MembersPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/audit"
              element={
                <RequirePermission perm="audit:read" titleKey="shell:nav.audit">
                  <AuditPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/sources"
              element={
                <RequirePermission perm="sources:manage" titleKey="shell:nav.sources">
                  <SourcesPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/roles"
              element={
                <RequirePermission perm="admin:users" titleKey="shell:nav.roles">
                  <RolesPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/sso"
              element={
                <RequirePermission perm="admin:org" titleKey="shell:nav.sso">
                  <SsoPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/policies"
              element={
                <RequirePermission perm="admin:org" titleKey="shell:nav.policies">
                  <PoliciesPage />
                </RequirePermission>
              }
            />
            <Route path="account" element={<AccountPage />} />
            <Route path="health" element={<HealthPage />} />
            <Route path="docs/api" element={<ApiReferencePage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
