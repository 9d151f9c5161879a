// Who is viewing the incident now: a heartbeat while the page is open
// (PUT …/presence at the interval the server names), a leave when it
// closes, and the live presence.joined/left events applied to the cached
// list directly (no refetch).
import { useTranslation } from "react-i18next";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, API } from "../../api/client";
import { useOrgKey, useSession } from "../../auth/session";
import type { StreamEvent } from "../../lib/eventStream";
import { cx } from "../../lib/format";
import { presence as presenceApi, type Presence, type Viewer } from "./warroomApi";

/** applyPresence folds a presence event into the viewer list (pure; unit-tested). */
export function applyPresence(p: Presence | undefined, e: Pick<StreamEvent, "kind" | "payload">): Presence | undefined {
  if (!p) return p;
  const v = e.payload as Partial<Viewer> & { viewer?: string };
  if (!v.viewer) return p;
  const others = (p.viewers ?? []).filter((x) => x.viewer !== v.viewer);
  if (e.kind.startsWith("presence.joined.")) {
    const since = v.since ?? new Date().toISOString();
    return { ...p, viewers: [...others, { viewer: v.viewer, name: v.name ?? v.viewer, since, last_seen: since }] };
  }
  if (e.kind.startsWith("presence.left.")) return { ...p, viewers: others };
  return p;
}

/** usePresence heartbeats while mounted and answers the current viewers. */
export function usePresence(incidentId: string, enabled: boolean) {
  const key = useOrgKey("warroom-presence", incidentId);
  const qc = useQueryClient();
  const q = useQuery({ queryKey: key, queryFn: () => presenceApi.heartbeat(incidentId), enabled, staleTime: Infinity, retry: 1 });
  const every = (q.data?.heartbeat_seconds ?? 15) * 1000;
  const keyText = JSON.stringify(key);
  useEffect(() => {
    if (!enabled) return;
    const k = JSON.parse(keyText) as unknown[];
    const t = setInterval(() => {
      presenceApi.heartbeat(incidentId).then(
        (p) => qc.setQueryData(k, p),
        () => undefined, // the next heartbeat retries; the list stays as it was
      );
    }, every);
    const leave = () => {
      // keepalive: the request outlives the page being closed.
      const headers: Record<string, string> = {};
      if (api.orgId) headers["X-Org-ID"] = api.orgId;
      void fetch(`${API}/incidents/${encodeURIComponent(incidentId)}/presence`, { method: "DELETE", headers, credentials: "same-origin", keepalive: true }).catch(() => undefined);
    };
    window.addEventListener("pagehide", leave);
    return () => {
      clearInterval(t);
      window.removeEventListener("pagehide", leave);
      leave();
    };
  }, [enabled, incidentId, every, keyText, qc]);
  return q;
}

const PALETTE = ["bg-sky-700", "bg-violet-700", "bg-emerald-700", "bg-amber-700", "bg-rose-700", "bg-teal-700", "bg-indigo-700", "bg-fuchsia-700"];

function colorOf(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export function initials(name: string): string {
  const parts = name.trim().split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? "") : "")).toUpperCase();
}

/** PresenceAvatars shows who is viewing now (you included, marked). */
export function PresenceAvatars({ incidentId, enabled }: { incidentId: string; enabled: boolean }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const q = usePresence(incidentId, enabled);
  if (!enabled) return null;
  if (q.isPending) return <span className="text-[11px] text-muted">{t("incidents:presence.checkingWhoIsHere")}</span>;
  if (q.error && !q.data) return <span className="text-[11px] text-muted" title={q.error instanceof Error ? q.error.message : ""}>{t("incidents:presence.presenceUnavailable")}</span>;
  const mine = me.user ? `user:${me.user.id}` : "";
  const viewers = [...(q.data?.viewers ?? [])].sort((a, b) => (a.viewer === mine ? -1 : b.viewer === mine ? 1 : a.since.localeCompare(b.since)));
  const shown = viewers.slice(0, 5);
  const label = viewers.map((v) => (v.viewer === mine ? `${v.name} (you)` : v.name)).join(", ");
  return (
    <div className="flex items-center gap-1" role="group" aria-label={t("incidents:presence.viewingNow", { value: label || "nobody" })} data-testid="presence">
      <ul className="flex -space-x-1.5" aria-hidden>
        {shown.map((v) => (
          <li
            key={v.viewer}
            title={t("incidents:presence.viewingSinceUtc", { vName: v.name, value: v.viewer === mine ? t("incidents:presence.you") : "", value2: v.since.slice(11, 16) })}
            className={cx("inline-flex size-6 items-center justify-center rounded-full text-[10px] font-semibold text-white ring-2 ring-white dark:ring-slate-950", colorOf(v.viewer))}
            data-testid="presence-viewer"
            data-name={v.name}
          >
            {initials(v.name)}
          </li>
        ))}
      </ul>
      {viewers.length > shown.length && <span className="text-[11px] text-muted">+{viewers.length - shown.length}</span>}
      <span className="text-[11px] text-muted" aria-hidden>
        {t("incidents:presence.viewing", { viewersLength: viewers.length })}
      </span>
    </div>
  );
}
