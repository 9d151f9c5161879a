// The notification bell: the caller's inbox (mentions, assignments, SLA
// warnings and breaches), its unread count, and mark-as-read. Polled every
// 30 s while the tab is open; opening a notification marks it read.
import * as Menu from "@radix-ui/react-dropdown-menu";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { notifications } from "../api/endpoints";
import type { AppNotification } from "../api/types";
import { useOrgKey, useSession } from "../auth/session";
import { cx, fmtAge } from "../lib/format";
import { ProblemAlert, Spinner } from "./ui";

const menuItem = "flex cursor-default flex-col gap-0.5 rounded px-2 py-1.5 outline-none select-none data-[highlighted]:bg-sky-700 data-[highlighted]:text-white";

export function NotificationBell() {
  const { me, can } = useSession();
  const enabled = !!me.user && can("incidents:read");
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { t } = useTranslation("shell");
  const key = useOrgKey("notifications");
  const q = useQuery({ queryKey: key, queryFn: () => notifications.list(), enabled, refetchInterval: 30_000 });
  const read = useMutation({ mutationFn: (id: string) => notifications.read(id), onSuccess: () => void qc.invalidateQueries({ queryKey: key }) });
  const readAll = useMutation({
    mutationFn: async (items: AppNotification[]) => {
      for (const n of items) if (!n.read_at) await notifications.read(n.id);
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: key }),
  });
  if (!enabled) return null;
  const unread = q.data?.unread ?? 0;
  const items = q.data?.items ?? [];
  return (
    <Menu.Root modal={false}>
      <Menu.Trigger className="relative flex h-7 items-center gap-1 rounded px-2 text-xs hover:bg-slate-100 dark:hover:bg-slate-800" data-testid="notification-bell">
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4 fill-current">
          <path d="M10 2a5 5 0 0 0-5 5v3.6L3.3 13.3A1 1 0 0 0 4.1 15h11.8a1 1 0 0 0 .8-1.7L15 10.6V7a5 5 0 0 0-5-5Zm0 16a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 10 18Z" />
        </svg>
        <span className="sr-only">{t("notifications.bell", { count: unread })}</span>
        {unread > 0 && (
          <span aria-hidden="true" className="rounded-full bg-red-700 px-1.5 text-[10px] leading-4 font-semibold text-white" data-testid="unread-count">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="z-50 w-80 rounded border border-slate-200 bg-white p-1 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900" align="end" sideOffset={4}>
          <div className="flex items-center justify-between px-2 py-1">
            <Menu.Label className="text-[11px] font-semibold text-muted uppercase">{t("notifications.title")}</Menu.Label>
            {unread > 0 && (
              <Menu.Item className="cursor-default rounded px-1 text-xs text-sky-700 outline-none data-[highlighted]:underline dark:text-sky-400" onSelect={(e) => (e.preventDefault(), readAll.mutate(items))}>
                {t("notifications.markAll")}
              </Menu.Item>
            )}
          </div>
          {q.isPending ? (
            <div className="px-2 py-2">
              <Spinner label={t("notifications.loading")} />
            </div>
          ) : q.error ? (
            <ProblemAlert error={q.error} className="m-1" />
          ) : items.length === 0 ? (
            <p className="px-2 py-3 text-center text-xs text-muted">{t("notifications.empty")}</p>
          ) : (
            <div className="max-h-96 overflow-y-auto">
              {items.map((n) => (
                <Menu.Item
                  key={n.id}
                  className={cx(menuItem, !n.read_at && "font-medium")}
                  data-testid="notification"
                  onSelect={() => {
                    if (!n.read_at) read.mutate(n.id);
                    if (n.incident_id) navigate(`/incidents/${n.incident_id}`);
                  }}
                >
                  <span className="flex items-start gap-1.5">
                    {!n.read_at && <span aria-label={t("notifications.unread")} role="img" className="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-sky-500" />}
                    <span className="min-w-0 break-words">{n.message}</span>
                  </span>
                  <span className="text-[11px] opacity-80">
                    {t(`notifications.kind.${n.kind}`, { defaultValue: n.kind.replace(/_/g, " ") })} · {t("common:ago", { age: fmtAge(n.created_at) })}
                  </span>
                </Menu.Item>
              ))}
            </div>
          )}
          {read.error || readAll.error ? <ProblemAlert error={read.error ?? readAll.error} className="m-1" /> : null}
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
