import { useInfiniteQuery } from "@tanstack/react-query";
import { Fragment, useState, type FormEvent } from "react";
import { audit, type AuditQuery } from "../../api/endpoints";
import { useOrgKey } from "../../auth/session";
import { Button, Input, PageHeader, ProblemAlert, Spinner, td, th } from "../../components/ui";
import { cx, fmtTime, localToISO } from "../../lib/format";

export function AuditPage() {
  const [draft, setDraft] = useState({ action: "", actor: "", from: "", to: "" });
  const [query, setQuery] = useState<AuditQuery>({});
  const [open, setOpen] = useState<string | null>(null);
  const q = useInfiniteQuery({
    queryKey: useOrgKey("audit", query),
    queryFn: ({ pageParam }) => audit.list(query, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({
      action: draft.action || undefined,
      actor: draft.actor || undefined,
      from: localToISO(draft.from),
      to: localToISO(draft.to),
    });
  };
  return (
    <div>
      <PageHeader title="Audit log" />
      <form onSubmit={submit} className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800">
        <Input aria-label="Action" placeholder="Action (e.g. alert.update)" className="w-52" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
        <Input aria-label="Actor" placeholder="Actor (user:…, apikey:…)" className="w-52" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
        <Input aria-label="From" type="datetime-local" className="w-52" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        <Input aria-label="To" type="datetime-local" className="w-52" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        <Button type="submit" variant="primary">
          Apply
        </Button>
      </form>
      <div className="p-4">
        {q.error ? (
          <ProblemAlert error={q.error} />
        ) : q.isPending ? (
          <Spinner />
        ) : rows.length === 0 ? (
          <p className="text-sm text-slate-500">No audit entries.</p>
        ) : (
          <table className="w-full text-sm" aria-label="Audit entries">
            <thead>
              <tr>
                <th className={th}>Time (UTC)</th>
                <th className={th}>Actor</th>
                <th className={th}>Action</th>
                <th className={th}>Target</th>
                <th className={th}>Outcome</th>
                <th className={th}>IP</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <Fragment key={e.id}>
                  <tr
                    className="cursor-pointer border-t border-slate-100 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-900"
                    onClick={() => setOpen(open === e.id ? null : e.id)}
                    aria-expanded={open === e.id}
                  >
                    <td className={`${td} font-mono text-xs whitespace-nowrap`}>{fmtTime(e.time)}</td>
                    <td className={`${td} font-mono text-xs`}>{e.actor}</td>
                    <td className={`${td} font-mono text-xs`}>{e.action}</td>
                    <td className={`${td} font-mono text-xs`}>
                      {e.target_type}
                      {e.target_id ? `:${e.target_id}` : ""}
                    </td>
                    <td className={cx(td, "text-xs", e.outcome === "success" ? "text-emerald-600 dark:text-emerald-400" : "text-red-600 dark:text-red-400")}>{e.outcome}</td>
                    <td className={`${td} font-mono text-xs`}>{e.ip}</td>
                  </tr>
                  {open === e.id && (
                    <tr>
                      <td colSpan={6} className="bg-slate-50 px-3 py-2 dark:bg-slate-900">
                        <pre className="overflow-auto font-mono text-xs">{JSON.stringify({ request_id: e.request_id, user_agent: e.user_agent, details: e.details }, null, 2)}</pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
        {q.hasNextPage && (
          <Button size="sm" className="mt-2" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
            Load more
          </Button>
        )}
      </div>
    </div>
  );
}
