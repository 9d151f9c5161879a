import { useQuery } from "@tanstack/react-query";
import { ops } from "../api/endpoints";
import type { HealthReport } from "../api/types";
import { useOrgKey, useSession } from "../auth/session";
import { Button, PageHeader, ProblemAlert, Section, Spinner, td, th } from "../components/ui";
import { cx } from "../lib/format";

const statusColor: Record<string, string> = {
  ok: "text-emerald-700 dark:text-emerald-400",
  degraded: "text-amber-700 dark:text-amber-400",
  failing: "text-red-700 dark:text-red-400",
};

function Report({ report }: { report: HealthReport }) {
  return (
    <div className="space-y-2">
      <p className="text-sm">
        Overall: <span className={cx("font-semibold uppercase", statusColor[report.status])}>{report.status}</span>
      </p>
      <table className="w-full text-sm">
        <thead>
          <tr>
            <th className={th}>Check</th>
            <th className={th}>Status</th>
            <th className={th}>Critical</th>
            <th className={th}>Detail</th>
            <th className={cx(th, "text-right")}>ms</th>
          </tr>
        </thead>
        <tbody>
          {(report.checks ?? []).map((c) => (
            <tr key={c.name} className="border-t border-slate-100 dark:border-slate-800">
              <td className={`${td} font-mono text-xs`}>{c.name}</td>
              <td className={cx(td, "text-xs font-semibold uppercase", statusColor[c.status])}>{c.status}</td>
              <td className={td}>{c.critical ? "yes" : "no"}</td>
              <td className={`${td} text-xs`}>{c.error ? <span className="text-red-700 dark:text-red-400">{c.error}</span> : c.detail}</td>
              <td className={`${td} text-right font-mono text-xs`}>{c.duration_ms.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HealthPage() {
  const { can } = useSession();
  const ready = useQuery({ queryKey: ["readyz"], queryFn: ops.ready, refetchInterval: 15_000 });
  const deep = useQuery({ queryKey: useOrgKey("health-deep"), queryFn: ops.deep, enabled: can("ops:read"), refetchInterval: 30_000 });
  return (
    <div>
      <PageHeader title="Health">
        <Button
          size="sm"
          onClick={() => {
            void ready.refetch();
            void deep.refetch();
          }}
        >
          Refresh
        </Button>
      </PageHeader>
      <div className="space-y-4 p-4">
        <Section title="Readiness (/readyz)">
          {ready.error ? <ProblemAlert error={ready.error} /> : ready.data ? (
            <div className="space-y-1">
              <p className="font-mono text-xs text-muted">HTTP {ready.data.httpStatus}</p>
              <Report report={ready.data.report} />
            </div>
          ) : (
            <Spinner />
          )}
        </Section>
        <Section title="Deep health (/api/v1/ops/health/deep)">
          {!can("ops:read") ? (
            <p className="text-sm text-muted">Needs the ops:read permission in this org.</p>
          ) : deep.error ? (
            <ProblemAlert error={deep.error} />
          ) : deep.data ? (
            <Report report={deep.data} />
          ) : (
            <Spinner />
          )}
        </Section>
      </div>
    </div>
  );
}
