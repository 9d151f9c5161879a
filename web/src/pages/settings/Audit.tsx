import { useTranslation } from "react-i18next";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Fragment, useState, type FormEvent } from "react";
import { audit, type AuditQuery } from "../../api/endpoints";
import { useOrgKey } from "../../auth/session";
import { Button, Input, PageHeader, ProblemAlert, Select, Spinner, td, th } from "../../components/ui";
import { cx, localToISO } from "../../lib/format";
import { Time } from "../../components/Time";

const outcomeColor: Record<string, string> = {
  success: "text-emerald-700 dark:text-emerald-400",
  failure: "text-red-700 dark:text-red-400",
  denied: "text-amber-700 dark:text-amber-400",
};

export function AuditPage() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState({ action: "", actor: "", target_type: "", outcome: "", since: "", until: "" });
  const [query, setQuery] = useState<AuditQuery>({});
  const [open, setOpen] = useState<number | null>(null);
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
      target_type: draft.target_type || undefined,
      outcome: draft.outcome || undefined,
      since: localToISO(draft.since),
      until: localToISO(draft.until),
    });
  };
  return (
    <div>
      <PageHeader title={t("settings:audit.auditLog")}>
        <span className="text-xs text-muted">{t("settings:audit.tamperEvidentEachEntryChains")}</span>
      </PageHeader>
      <form onSubmit={submit} className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-800" aria-label={t("settings:audit.auditFilters")}>
        <Input aria-label={t("settings:audit.actionPrefix")} placeholder={t("settings:audit.actionPrefixAlert")} className="w-44" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
        <Input aria-label={t("settings:audit.actor")} placeholder={t("settings:audit.actorUserId")} className="w-52" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
        <Input aria-label={t("settings:audit.targetType")} placeholder={t("settings:audit.targetType")} className="w-32" value={draft.target_type} onChange={(e) => setDraft({ ...draft, target_type: e.target.value })} />
        <Select aria-label={t("settings:audit.outcome")} className="w-32" value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}>
          <option value="">{t("settings:audit.anyOutcome")}</option>
          <option value="success">{t("settings:audit.success")}</option>
          <option value="failure">{t("settings:audit.failure")}</option>
          <option value="denied">{t("settings:audit.denied")}</option>
        </Select>
        <Input aria-label={t("settings:audit.since")} type="datetime-local" className="w-48" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
        <Input aria-label={t("settings:audit.until")} type="datetime-local" className="w-48" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
        <Button type="submit" variant="primary">
          {t("settings:audit.apply")}
        </Button>
      </form>
      <div className="p-4">
        {q.error ? (
          <ProblemAlert error={q.error} />
        ) : q.isPending ? (
          <Spinner />
        ) : rows.length === 0 ? (
          <p className="text-sm text-muted">{t("settings:audit.noAuditEntries")}</p>
        ) : (
          <div className="overflow-x-auto" data-scroll-x>
          <table className="w-full text-sm" aria-label={t("settings:audit.auditEntries")}>
            <thead>
              <tr>
                <th className={th}>#</th>
                <th className={th}>{t("settings:audit.timeUtc")}</th>
                <th className={th}>{t("settings:audit.actor")}</th>
                <th className={th}>{t("settings:audit.action")}</th>
                <th className={th}>{t("settings:audit.target")}</th>
                <th className={th}>{t("settings:audit.outcome")}</th>
                <th className={`${th} hidden lg:table-cell`}>IP</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <Fragment key={e.seq}>
                  <tr className="border-t border-slate-100 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-900">
                    <td className={`${td} font-mono text-xs text-muted`}>
                      <button type="button" className="hover:underline" aria-expanded={open === e.seq} onClick={() => setOpen(open === e.seq ? null : e.seq)}>
                        {e.seq} {open === e.seq ? "▾" : "▸"}
                      </button>
                    </td>
                    <td className={`${td} font-mono text-xs whitespace-nowrap`}><Time iso={e.occurred_at} /></td>
                    <td className={`${td} font-mono text-xs break-all`}>{e.actor}</td>
                    <td className={`${td} font-mono text-xs`}>{e.action}</td>
                    <td className={`${td} font-mono text-xs break-all`}>
                      {e.target_type}
                      {e.target_id ? `:${e.target_id}` : ""}
                    </td>
                    <td className={cx(td, "text-xs font-medium", outcomeColor[e.outcome])}>{t(`settings:audit.${e.outcome}`, { defaultValue: e.outcome })}</td>
                    <td className={`${td} hidden lg:table-cell font-mono text-xs`}>{e.ip}</td>
                  </tr>
                  {open === e.seq && (
                    <tr>
                      <td colSpan={7} className="bg-slate-50 px-3 py-2 dark:bg-slate-900">
                        <pre className="overflow-auto font-mono text-xs">
                          {JSON.stringify({ request_id: e.request_id, user_agent: e.user_agent, details: e.details, prev_hash: e.prev_hash, hash: e.hash }, null, 2)}
                        </pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          </div>
        )}
        {q.hasNextPage && (
          <Button size="sm" className="mt-2" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
            {t("settings:audit.loadOlderEntries")}
          </Button>
        )}
      </div>
    </div>
  );
}
