// One indicator: its context, lifecycle (score, sightings, expiry) and the
// alerts it matched, each with a false-positive verdict.
import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { alerts } from "../../api/endpoints";
import { useOrgKey, useSession } from "../../auth/session";
import { Button, ProblemAlert, Section, Spinner, Tag, td, th } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { intel } from "./intelApi";
import { IntelHeader, TLPBadge } from "./parts";

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_1fr] gap-2 py-0.5 text-sm">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="min-w-0 break-all">{children}</dd>
    </div>
  );
}

export function IndicatorDetailPage() {
  const { id = "" } = useParams();
  const { can } = useSession();
  const qc = useQueryClient();
  const key = useOrgKey("intel-indicator", id);
  const matchesKey = useOrgKey("intel-matches", id);
  const ind = useQuery({ queryKey: key, queryFn: () => intel.indicator(id) });
  const feeds = useQuery({ queryKey: useOrgKey("intel-feeds"), queryFn: intel.feeds });
  const ms = useInfiniteQuery({
    queryKey: matchesKey,
    queryFn: ({ pageParam }) => intel.matches(id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
    // A retro-hunt may still be recording matches: look again while none are shown.
    refetchInterval: (q) => ((q.state.data?.pages[0]?.items.length ?? 0) === 0 ? 3000 : false),
  });
  const rows = ms.data?.pages.flatMap((p) => p.items) ?? [];
  const alertIds = [...new Set(rows.map((m) => m.alert_id))].slice(0, 50);
  const orgKey = useOrgKey();
  const alertQs = useQueries({
    queries: alertIds.map((a) => ({ queryKey: [...orgKey, "alert", a], queryFn: () => alerts.get(a), staleTime: 60_000 })),
  });
  const alertById = new Map(alertQs.flatMap((q) => (q.data ? [[q.data.id, q.data] as const] : [])));
  const verdict = useMutation({
    mutationFn: ({ match, fp }: { match: string; fp: boolean }) => intel.setVerdict(match, fp),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: matchesKey });
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  const i = ind.data;
  const feed = feeds.data?.find((f) => f.id === i?.feed_id);
  return (
    <div>
      <IntelHeader title={i ? `Indicator ${i.value}` : "Indicator"}>
        <Link to="/intel" className="text-sm text-sky-700 hover:underline dark:text-sky-400">
          Back to indicators
        </Link>
      </IntelHeader>
      <div className="space-y-4 p-4">
        {ind.error ? (
          <ProblemAlert error={ind.error} />
        ) : !i ? (
          <Spinner label="Loading indicator" />
        ) : (
          <Section title="Indicator">
            <dl className="grid gap-x-6 lg:grid-cols-2">
              <Row label="Value">
                <span className="font-mono text-xs" data-testid="indicator-value">
                  {i.value}
                </span>
                {i.subdomains && <span className="ml-1 text-xs text-muted">and its subdomains</span>}
              </Row>
              <Row label="Type">
                <span className="font-mono text-xs">{i.type}</span>
              </Row>
              <Row label="Source">{feed?.name ?? (i.org_id ? "—" : "platform feed")}</Row>
              <Row label="Markings">
                <span className="inline-flex gap-1">
                  <TLPBadge tlp={i.tlp} />
                  <span className="font-mono text-[11px] whitespace-nowrap">PAP:{i.pap.toUpperCase()}</span>
                </span>
              </Row>
              <Row label="Confidence">{i.confidence}</Row>
              <Row label="Score">
                {i.score}
                {i.expired ? " (expired)" : i.expires_at ? ` · expires ${fmtTime(i.expires_at)}` : ""}
              </Row>
              <Row label="Sightings">
                <span data-testid="indicator-sightings">{i.sightings}</span>
                {i.false_positives > 0 ? ` · ${i.false_positives} false positive${i.false_positives === 1 ? "" : "s"}` : ""}
              </Row>
              <Row label="Matching">{i.detect ? (i.flagged ? `flagged by the fan-out guardrail${i.throttled_until ? ` until ${fmtTime(i.throttled_until)}` : ""}` : "on") : "context only (not matched)"}</Row>
              <Row label="First / last seen">
                <span className="font-mono text-xs">
                  {fmtTime(i.first_seen)} / {fmtTime(i.last_seen)}
                </span>
              </Row>
              <Row label="Valid until">
                <span className="font-mono text-xs">{i.valid_until ? fmtTime(i.valid_until) : "—"}</span>
              </Row>
              <Row label="Tags">
                <span className="flex flex-wrap gap-1">{(i.tags ?? []).length ? (i.tags ?? []).map((t) => <Tag key={t}>{t}</Tag>) : "—"}</span>
              </Row>
              <Row label="ATT&CK">
                <span className="font-mono text-xs">{(i.attack ?? []).join(", ") || "—"}</span>
              </Row>
              {i.stix_id && (
                <Row label="Original id">
                  <span className="font-mono text-xs">{i.stix_id}</span>
                </Row>
              )}
              {i.description && <Row label="Description">{i.description}</Row>}
            </dl>
          </Section>
        )}
        <Section title="Sightings: matched alerts">
          {ms.error ? (
            <ProblemAlert error={ms.error} />
          ) : ms.isPending ? (
            <Spinner label="Loading matches" />
          ) : rows.length === 0 ? (
            <p className="text-sm text-muted" data-testid="matches-empty">
              No alert has matched this indicator yet. New indicators are retro-hunted over recent alerts; this list updates by itself.
            </p>
          ) : (
            <div data-scroll-x className="overflow-x-auto">
              <table className="w-full text-sm" aria-label="Matched alerts">
                <thead>
                  <tr>
                    <th className={th}>Alert</th>
                    <th className={th}>Matched value</th>
                    <th className={th}>Role</th>
                    <th className={th}>Found by</th>
                    <th className={th}>Matched</th>
                    <th className={th}>Verdict</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((m) => {
                    const a = alertById.get(m.alert_id);
                    return (
                      <tr key={m.id} data-testid="indicator-match" className="border-t border-slate-100 dark:border-slate-800">
                        <td className={`${td} max-w-[22rem]`}>
                          <Link to={`/alerts/${m.alert_id}`} className="text-sky-700 hover:underline dark:text-sky-400" data-testid="matched-alert">
                            {a?.title ?? `Alert ${m.alert_id.slice(0, 8)}`}
                          </Link>
                        </td>
                        <td className={`${td} font-mono text-xs break-all`}>{m.value}</td>
                        <td className={`${td} text-xs`}>{m.role || "—"}</td>
                        <td className={`${td} text-xs`}>{m.source === "retrohunt" ? "retro-hunt" : "intake"}</td>
                        <td className={`${td} font-mono text-xs whitespace-nowrap`}>{fmtTime(m.matched_at)}</td>
                        <td className={td}>
                          {can("intel:manage") ? (
                            <Button
                              size="sm"
                              variant={m.false_positive ? "secondary" : "ghost"}
                              aria-pressed={m.false_positive}
                              disabled={verdict.isPending}
                              onClick={() => verdict.mutate({ match: m.id, fp: !m.false_positive })}
                            >
                              {m.false_positive ? "False positive (undo)" : "Mark false positive"}
                            </Button>
                          ) : m.false_positive ? (
                            "false positive"
                          ) : (
                            "—"
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {verdict.error ? <ProblemAlert error={verdict.error} className="mt-2" /> : null}
          {ms.hasNextPage && (
            <Button size="sm" className="mt-2" onClick={() => void ms.fetchNextPage()}>
              Load more
            </Button>
          )}
        </Section>
      </div>
    </div>
  );
}
