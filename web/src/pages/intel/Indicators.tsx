// The indicator list: type, source (feed), TLP filters and a value search
// in the URL, keyset paging ("Load more").
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiError } from "../../api/problem";
import { useOrgKey } from "../../auth/session";
import { Button, Field, Input, ProblemAlert, Select, Spinner, Tag, td, th } from "../../components/ui";
import { fmtTime } from "../../lib/format";
import { INDICATOR_TYPES, TLPS, intel, type IndicatorFilters } from "./intelApi";
import { IntelHeader, TLPBadge } from "./parts";

const KEYS = ["type", "feed_id", "tlp", "q"] as const;

function filtersOf(p: URLSearchParams): IndicatorFilters {
  const f: IndicatorFilters = {};
  for (const k of KEYS) {
    const v = p.get(k);
    if (v) f[k] = v;
  }
  return f;
}

export function IndicatorsPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const [search, setSearch] = useState(filters.q ?? "");
  useEffect(() => setSearch(filters.q ?? ""), [filters.q]);
  const feeds = useQuery({ queryKey: useOrgKey("intel-feeds"), queryFn: intel.feeds });
  const q = useInfiniteQuery({
    queryKey: useOrgKey("intel-indicators", filters),
    queryFn: ({ pageParam }) => intel.indicators(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const set = (k: (typeof KEYS)[number], v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    set("q", search.trim());
  };
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const fields = q.error instanceof ApiError ? q.error.fieldErrors() : {};
  const feedName = new Map((feeds.data ?? []).map((f) => [f.id, f.name]));
  const filtered = KEYS.some((k) => filters[k]);
  return (
    <div>
      <IntelHeader title="Threat intel" />
      <div className="space-y-3 p-4">
        <form role="search" aria-label="Indicators" onSubmit={submit} className="grid items-end gap-2 md:grid-cols-[1fr_9rem_12rem_9rem_auto]">
          <Field id="intel-q" label="Search values" error={fields["query.q"]}>
            <Input id="intel-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="e.g. 203.0.113 or evil.example" />
          </Field>
          <Field id="intel-type" label="Type">
            <Select id="intel-type" value={filters.type ?? ""} onChange={(e) => set("type", e.target.value)}>
              <option value="">All types</option>
              {INDICATOR_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          </Field>
          <Field id="intel-feed" label="Source">
            <Select id="intel-feed" value={filters.feed_id ?? ""} onChange={(e) => set("feed_id", e.target.value)}>
              <option value="">All sources</option>
              {(feeds.data ?? [])
                .filter((f) => f.org_id)
                .map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
            </Select>
          </Field>
          <Field id="intel-tlp" label="TLP">
            <Select id="intel-tlp" value={filters.tlp ?? ""} onChange={(e) => set("tlp", e.target.value)}>
              <option value="">Any TLP</option>
              {TLPS.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          </Field>
          <div className="flex gap-2">
            <Button type="submit" variant="primary">
              Search
            </Button>
            {filtered && (
              <Button onClick={() => setParams(new URLSearchParams(), { replace: true })}>Clear</Button>
            )}
          </div>
        </form>
        {q.error ? (
          <ProblemAlert error={q.error} />
        ) : q.isPending ? (
          <Spinner label="Loading indicators" />
        ) : rows.length === 0 ? (
          <p className="text-sm text-muted" data-testid="intel-empty">
            {filtered ? "No indicator matches these filters." : "No indicators yet. Import a STIX bundle or MISP event, or add a feed."}
          </p>
        ) : (
          <div data-scroll-x className="overflow-x-auto">
            <table className="w-full text-sm" aria-label="Indicators">
              <thead>
                <tr>
                  <th className={th}>Value</th>
                  <th className={th}>Type</th>
                  <th className={th}>Source</th>
                  <th className={th}>TLP</th>
                  <th className={th}>Confidence</th>
                  <th className={th}>Score</th>
                  <th className={th}>Sightings</th>
                  <th className={th}>Last seen</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((i) => (
                  <tr key={i.id} data-testid="indicator-row" className="border-t border-slate-100 dark:border-slate-800">
                    <td className={`${td} max-w-[28rem] font-mono text-xs break-all`}>
                      <Link to={`/intel/indicators/${i.id}`} className="text-sky-700 hover:underline dark:text-sky-400">
                        {i.value}
                      </Link>
                      {i.subdomains && <span className="ml-1 text-muted">(and subdomains)</span>}
                      {i.flagged && (
                        <span className="ml-1">
                          <Tag>flagged</Tag>
                        </span>
                      )}
                    </td>
                    <td className={`${td} font-mono text-xs`}>{i.type}</td>
                    <td className={`${td} text-xs`}>{feedName.get(i.feed_id) ?? (i.org_id ? "—" : "platform")}</td>
                    <td className={td}>
                      <TLPBadge tlp={i.tlp} />
                    </td>
                    <td className={`${td} text-xs`}>{i.confidence}</td>
                    <td className={`${td} text-xs`}>{i.score}</td>
                    <td className={`${td} text-xs`}>{i.sightings}</td>
                    <td className={`${td} font-mono text-xs whitespace-nowrap`}>{fmtTime(i.last_seen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {q.hasNextPage && (
          <Button size="sm" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
            {q.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        )}
      </div>
    </div>
  );
}
