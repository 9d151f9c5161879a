// The war room's live updates: one stream per open incident page
// (subject incident/<id>), each event refreshing only the cached queries it
// changes (liveEvents.ts), coalesced over a short window so a burst of
// events costs one request per query (the API rate-limits reads). Queries
// are invalidated, never reset: lists keep their rows while they refetch,
// so nothing remounts and no one loses scroll position, selection or a
// half-written note.
import { useTranslation } from "react-i18next";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Assignee } from "../../api/types";
import { useSession } from "../../auth/session";
import { Button } from "../../components/ui";
import type { StreamEvent, StreamState } from "../../lib/eventStream";
import { cx, fmtUTC } from "../../lib/format";
import { useEventStream } from "../../lib/useEventStream";
import { assigneeName } from "../assignees";
import { describeEvent, liveTargets, systemKind } from "./liveEvents";
import { applyPresence } from "./Presence";
import type { Presence } from "./warroomApi";

/** Coalescing window for refetches after events (ms)… */
const FLUSH_MS = 250;
/** …widened while events keep coming (a busy incident): at most one refetch
 * per query a second, whatever the event rate, so several open war rooms stay
 * well inside the per-user read budget. */
const BUSY_FLUSH_MS = 1000;
const BUSY_WITHIN_MS = 2000;
const KEEP = 25;

export interface IncidentLive {
  state: StreamState;
  reconnect(): void;
  /** The latest events, newest first. */
  activity: StreamEvent[];
}

export function useIncidentLive(incidentId: string, enabled = true): IncidentLive {
  const qc = useQueryClient();
  const orgId = useSession().org?.id ?? "";
  const pending = useRef<Set<string>>(new Set());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastFlush = useRef(0);
  const [activity, setActivity] = useState<StreamEvent[]>([]);

  const flush = useCallback(
    (before?: number) => {
      timer.current = undefined;
      lastFlush.current = Date.now();
      const names = pending.current;
      pending.current = new Set();
      const all = names.has("*");
      void qc.invalidateQueries({
        predicate: (q) => {
          const k = q.queryKey;
          if (k[0] !== "org" || k[1] !== orgId || typeof k[2] !== "string") return false;
          if (before !== undefined && q.state.dataUpdatedAt >= before) return false;
          // Custody and revision queries are keyed by artifact or note, not by incident.
          const mine = k.includes(incidentId) || k[2] === "incident-evidence-custody" || k[2] === "note-revisions";
          return mine && (all ? k[2].startsWith("incident") || k[2].startsWith("warroom") || k[2] === "note-revisions" : names.has(k[2]));
        },
      });
    },
    [qc, orgId, incidentId],
  );

  const schedule = useCallback(
    (names: string[]) => {
      for (const n of names) pending.current.add(n);
      if (!timer.current) {
        const busy = Date.now() - lastFlush.current < BUSY_WITHIN_MS;
        timer.current = setTimeout(() => flush(), busy ? BUSY_FLUSH_MS : FLUSH_MS);
      }
    },
    [flush],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const stream = useEventStream({
    enabled: enabled && !!incidentId,
    query: { subject: `incident/${incidentId}` },
    onEvent: (e) => {
      if (e.subject !== `incident/${incidentId}`) return;
      if (e.kind.startsWith("presence.")) {
        qc.setQueryData<Presence>(["org", orgId, "warroom-presence", incidentId], (p) => applyPresence(p, e));
        // Heartbeats come and go quietly: only arrivals and announced leaves are listed.
        if ((e.payload as { expired?: boolean }).expired) return;
      } else schedule(liveTargets(e.kind));
      setActivity((a) => [e, ...a.filter((x) => x.seq !== e.seq)].slice(0, KEEP));
    },
    onResync: () => schedule(["*"]),
  });

  // A connection without a resume point may have missed what happened
  // between loading the page and subscribing: refresh what is older.
  const status = stream.state.status;
  const resumable = stream.state.lastEventId !== "";
  const since = useRef(0);
  useEffect(() => {
    if (status !== "live") {
      if (since.current === 0) since.current = Date.now();
      return;
    }
    if (!resumable && since.current) {
      pending.current.add("*");
      flush(since.current);
    }
    since.current = 0;
  }, [status, resumable, flush]);

  return { state: stream.state, reconnect: stream.reconnect, activity };
}

const LABELS: Record<StreamState["status"], string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stopped: "Offline",
};

/** clock is the UTC time of day of an RFC 3339 time. */
const clock = (t: string) => (t.length >= 19 ? t.slice(11, 19) : t);

/** actorLabel reads "user:<id>" by the member's name; other actors as they are. */
export function actorLabel(actor: string, people: Assignee[] | undefined): string {
  return actor.startsWith("user:") ? assigneeName(actor.slice(5), people) : actor;
}

export function eventText(e: StreamEvent, people: Assignee[] | undefined): string {
  const what = describeEvent(e.kind, e.payload);
  return systemKind(e.kind) ? what : `${actorLabel(e.actor, people)} ${what}`;
}

/** LiveIndicator: the stream's connection state and, on click, the latest events. */
export function LiveIndicator({ live, people }: { live: IncidentLive; people: Assignee[] | undefined }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const { status, attempt, retryAt, error } = live.state;
  const latest = live.activity[0];
  const detail =
    status === "reconnecting" && retryAt && attempt > 0
      ? `retry ${attempt}${error ? `: ${error.detail}` : ""}`
      : status === "stopped"
        ? (error?.detail ?? "the stream ended")
        : latest
          ? `last event $<Time iso={latest.occurred_at} />`
          : "no changes yet";
  return (
    <div
      className="relative"
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.stopPropagation();
          setOpen(false);
        }
      }}
    >
      <button
        type="button"
        aria-expanded={open}
        aria-controls="live-activity"
        onClick={() => setOpen((o) => !o)}
        className="inline-flex h-7 items-center gap-1.5 rounded border border-slate-300 px-2 text-xs hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
        title={t("incidents:live.liveUpdates", { value: LABELS[status], detail: detail })}
        data-testid="live-indicator"
        data-state={status}
      >
        <span
          aria-hidden
          className={cx(
            "inline-block size-2 rounded-full",
            status === "live" ? "bg-emerald-500" : status === "stopped" ? "bg-red-500" : "animate-pulse bg-amber-500",
          )}
        />
        <span className="sr-only">{t("incidents:live.liveUpdates2")}{" "}</span>
        {LABELS[status]}
      </button>
      {/* Screen readers hear what changed, politely. */}
      <p className="sr-only" aria-live="polite" data-testid="live-announce">
        {latest ? eventText(latest, people) : ""}
      </p>
      {open && (
        <div
          id="live-activity"
          role="region"
          aria-label={t("incidents:live.liveActivity")}
          className="absolute right-0 z-40 mt-1 w-72 max-w-[90vw] rounded border border-slate-200 bg-white p-2 text-xs shadow-lg dark:border-slate-700 dark:bg-slate-900"
        >
          <p className="mb-1">
            <strong>{LABELS[status]}</strong> <span className="text-muted">· {detail}</span>
          </p>
          {status !== "live" && (
            <Button size="sm" className="mb-1" onClick={() => live.reconnect()}>
              {t("incidents:live.reconnectNow")}
            </Button>
          )}
          {live.activity.length === 0 ? (
            <p className="text-muted">{t("incidents:live.changesByAnyoneOnThis")}</p>
          ) : (
            <ol className="max-h-64 space-y-0.5 overflow-y-auto" aria-label={t("incidents:live.latestChanges")} data-testid="live-activity" tabIndex={0}>
              {live.activity.map((e) => (
                <li key={e.seq}>
                  <time className="text-muted" dateTime={e.occurred_at} title={fmtUTC(e.occurred_at)}>
                    {clock(e.occurred_at)}
                  </time>{" "}
                  {eventText(e, people)}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
