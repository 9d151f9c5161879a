// The org's feeds and the platform feeds: kind, health, last sync (the
// last successful run), counts and, for TAXII, the collection pulled.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useOrgKey } from "../../auth/session";
import { ProblemAlert, Section, Spinner, td, th } from "../../components/ui";
import { fmtAge, fmtTime } from "../../lib/format";
import { intel, type Feed } from "./intelApi";
import { HealthBadge, IntelHeader, TLPBadge } from "./parts";

function FeedTable({ feeds, label }: { feeds: Feed[]; label: string }) {
  return (
    <div data-scroll-x className="overflow-x-auto">
      <table className="w-full text-sm" aria-label={label}>
        <thead>
          <tr>
            <th className={th}>Name</th>
            <th className={th}>Kind</th>
            <th className={th}>Health</th>
            <th className={th}>Last sync</th>
            <th className={th}>Last run</th>
            <th className={th}>Read</th>
            <th className={th}>TLP</th>
            <th className={th}>Collection / source</th>
          </tr>
        </thead>
        <tbody>
          {feeds.map((f) => (
            <tr key={f.id} data-testid="feed-row" className="border-t border-slate-100 dark:border-slate-800">
              <td className={td}>
                <Link to={`/intel?feed_id=${f.id}`} className="text-sky-700 hover:underline dark:text-sky-400">
                  {f.name}
                </Link>
                {!f.org_id && <span className="ml-1 text-xs text-muted">{f.subscribed ? "(subscribed)" : "(not subscribed)"}</span>}
                {!f.enabled && <span className="ml-1 text-xs text-muted">(disabled)</span>}
              </td>
              <td className={`${td} font-mono text-xs`}>{f.kind}</td>
              <td className={td}>
                <HealthBadge health={f.health} />
                {f.last_error ? (
                  <p className="mt-0.5 max-w-[18rem] text-xs break-words text-red-700 dark:text-red-400">
                    {f.last_error}
                    {f.consecutive_errors > 1 ? ` (${f.consecutive_errors} in a row)` : ""}
                  </p>
                ) : null}
              </td>
              <td className={`${td} text-xs whitespace-nowrap`} title={fmtTime(f.last_success_at)}>
                {f.last_success_at ? fmtAge(f.last_success_at) : f.kind === "manual" ? "uploads" : "never"}
              </td>
              <td className={`${td} font-mono text-xs whitespace-nowrap`}>{fmtTime(f.last_run_at)}</td>
              <td className={`${td} text-xs`}>{f.last_count}</td>
              <td className={td}>
                <TLPBadge tlp={f.tlp} />
              </td>
              <td className={`${td} max-w-[18rem] font-mono text-[11px] break-all`}>
                {f.kind === "taxii" ? (f.config?.taxii?.collection_id ?? "first readable collection") : (f.url ?? "—")}
                {f.kind === "taxii" && f.cursor ? <span className="block text-muted">added after {f.cursor}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function FeedsPage() {
  const q = useQuery({ queryKey: useOrgKey("intel-feeds"), queryFn: intel.feeds });
  const own = (q.data ?? []).filter((f) => f.org_id);
  const platform = (q.data ?? []).filter((f) => !f.org_id);
  return (
    <div>
      <IntelHeader title="Intel feeds" />
      <div className="space-y-4 p-4">
        {q.error ? (
          <ProblemAlert error={q.error} />
        ) : q.isPending ? (
          <Spinner label="Loading feeds" />
        ) : (
          <>
            <Section title="This organisation's feeds and TAXII collections">
              {own.length === 0 ? (
                <p className="text-sm text-muted" data-testid="feeds-empty">
                  No feeds yet. An import creates the manual feed; pulled feeds (STIX, TAXII, MISP, CSV) are added through the API.
                </p>
              ) : (
                <FeedTable feeds={own} label="Own feeds" />
              )}
            </Section>
            <Section title="Platform feeds">
              {platform.length === 0 ? <p className="text-sm text-muted">No platform feeds.</p> : <FeedTable feeds={platform} label="Platform feeds" />}
            </Section>
          </>
        )}
      </div>
    </div>
  );
}
