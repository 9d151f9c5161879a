import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Link, Navigate, Route, Routes } from "react-router";
import { ApiError } from "./api/problem";
import { RequireSession } from "./auth/session";
import { RequirePermission, SettingsIndex } from "./components/Guard";
import { Shell } from "./components/Shell";
import { AccountPage } from "./pages/Account";
import { AcceptInvitePage } from "./pages/AcceptInvite";
import { AlertDetailPage } from "./pages/AlertDetail";
import { AlertsPage } from "./pages/Alerts";
import { ApiReferencePage } from "./pages/ApiReference";
import { HealthPage } from "./pages/Health";
import { LoginPage } from "./pages/Login";
import { ApiKeysPage } from "./pages/settings/ApiKeys";
import { AuditPage } from "./pages/settings/Audit";
import { MembersPage } from "./pages/settings/Members";
import { IncidentDetailPage } from "./pages/incidents/IncidentDetail";
import { IncidentsPage } from "./pages/incidents/Incidents";
import { IncidentMetricsPage } from "./pages/incidents/Metrics";
import { CorrelationRulesPage } from "./pages/correlation/Rules";
import { SuppressionsPage } from "./pages/correlation/Suppressions";

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
  return (
    <div className="p-6">
      <h1 className="text-base font-semibold">Page not found</h1>
      <Link to="/alerts" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
        Go to alerts
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
            <Route
              path="incidents"
              element={
                <RequirePermission perm="incidents:read" title="Incidents">
                  <IncidentsPage />
                </RequirePermission>
              }
            />
            <Route
              path="incidents/metrics"
              element={
                <RequirePermission perm="incidents:read" title="Incident metrics">
                  <IncidentMetricsPage />
                </RequirePermission>
              }
            />
            <Route
              path="incidents/:id"
              element={
                <RequirePermission perm="incidents:read" title="Incident">
                  <IncidentDetailPage />
                </RequirePermission>
              }
            />
            <Route
              path="correlation/rules"
              element={
                <RequirePermission perm="incidents:read" title="Correlation rules">
                  <CorrelationRulesPage />
                </RequirePermission>
              }
            />
            <Route
              path="correlation/suppressions"
              element={
                <RequirePermission perm="incidents:read" title="Suppressions">
                  <SuppressionsPage />
                </RequirePermission>
              }
            />
            <Route path="settings" element={<SettingsIndex />} />
            <Route
              path="settings/api-keys"
              element={
                <RequirePermission perm="apikeys:manage" title="API keys">
                  <ApiKeysPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/members"
              element={
                <RequirePermission perm="admin:users" title="Members">
                  <MembersPage />
                </RequirePermission>
              }
            />
            <Route
              path="settings/audit"
              element={
                <RequirePermission perm="audit:read" title="Audit log">
                  <AuditPage />
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
