// The entity page (/entities/:type/:value): summary, relations graph,
// alerts and incidents (keyset pages), tags and analyst notes with their
// edit history. Every panel has its own loading, empty and error state.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { entities, type EntityNote } from "../api/entities";
import { ApiError } from "../api/problem";
import { severityOf } from "../api/types";
import { useOrgKey, useSession } from "../auth/session";
import { Button, Input, PageHeader, ProblemAlert, Section, SeverityBadge, Spinner, StatusBadge } from "../components/ui";
import { fmtTime } from "../lib/format";
import { useAssignees } from "./assignees";
import { EntityGraph } from "./EntityGraph";
import { actorLabel } from "./incidents/live";

export function EntityPage() {
  // The value is the rest of the path: URLs and file paths hold slashes.
  const { type = "", "*": value = "" } = useParams();
  const look = useQuery({ queryKey: useOrgKey("entity-lookup", type, value), queryFn: () => entities.lookup(type, value), retry: false });
  const title = `${type} ${value}`;
  if (look.isPending)
    return (
      <div>
        <PageHeader title={title} />
        <div className="p-4">
          <Spinner label="Loading the entity" />
        </div>
      </div>
    );
  if (look.error)
    return (
      <div>
        <PageHeader title={title} />
        <div className="space-y-2 p-4">
          {look.error instanceof ApiError && look.error.status === 404 ? (
            <p className="text-sm" data-testid="entity-unknown">
              No alert has mentioned {type} <span className="font-mono">{value}</span> yet.
            </p>
          ) : (
            <ProblemAlert error={look.error} />
          )}
          <Link to={`/alerts?entity=${encodeURIComponent(`${type}:${value}`)}`} className="text-sm text-sky-700 hover:underline dark:text-sky-400">
            Search the alerts for it
          </Link>
        </div>
      </div>
    );
  return <EntityView id={look.data.id} title={`${look.data.type} ${look.data.value}`} />;
}

function EntityView({ id, title }: { id: string; title: string }) {
  const { can } = useSession();
  return (
    <div>
      <PageHeader title={title} />
      <div className="grid gap-4 p-4 lg:grid-cols-[1fr_20rem]">
        <div className="min-w-0 space-y-4">
          <Section title="Summary">
            <Summary id={id} />
          </Section>
          <Section title="Relations">
            <EntityGraph entityId={id} />
          </Section>
          <Section title="Alerts">
            <EntityAlerts id={id} />
          </Section>
          {can("incidents:read") && (
            <Section title="Incidents">
              <EntityIncidents id={id} />
            </Section>
          )}
        </div>
        <aside className="space-y-4">
          <Section title="Tags">
            <EntityTags id={id} />
          </Section>
          <Section title="Notes">
            <EntityNotes id={id} />
          </Section>
        </aside>
      </div>
    </div>
  );
}

function Summary({ id }: { id: string }) {
  const q = useQuery({ queryKey: useOrgKey("entity", id), queryFn: () => entities.summary(id) });
  if (q.isPending) return <Spinner label="Loading the summary" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  const s = q.data;
  const count = (c?: { count: number; capped?: boolean }) => (c ? `${c.count.toLocaleString("en")}${c.capped ? "+" : ""}` : "—");
  const row = "grid grid-cols-[9rem_1fr] gap-2 py-0.5";
  return (
    <dl data-testid="entity-summary">
      <div className={row}>
        <dt className="text-xs text-muted">First seen (UTC)</dt>
        <dd className="text-sm">{fmtTime(s.entity.first_seen)}</dd>
      </div>
      <div className={row}>
        <dt className="text-xs text-muted">Last seen (UTC)</dt>
        <dd className="text-sm">{s.last_seen ? fmtTime(s.last_seen) : "—"}</dd>
      </div>
      <div className={row}>
        <dt className="text-xs text-muted">Alerts</dt>
        <dd className="text-sm" data-testid="entity-alert-count">
          {count(s.alerts)}
        </dd>
      </div>
      {s.incidents && (
        <div className={row}>
          <dt className="text-xs text-muted">Incidents</dt>
          <dd className="text-sm">{count(s.incidents)}</dd>
        </div>
      )}
      <div className={row}>
        <dt className="text-xs text-muted">Sources</dt>
        <dd className="font-mono text-xs">{(s.sources ?? []).join(", ") || "—"}</dd>
      </div>
      <div className={row}>
        <dt className="text-xs text-muted">Rules</dt>
        <dd className="text-sm">{(s.rules ?? []).join(", ") || "—"}</dd>
      </div>
      <div className={row}>
        <dt className="text-xs text-muted">Threat intel</dt>
        <dd className="text-sm">{!s.intel.available ? "Not available" : (s.intel.matches ?? []).length === 0 ? "No indicator matches" : `${(s.intel.matches ?? []).length} indicator matches (${(s.intel.matches ?? []).map((m) => `${m.type} ${m.confidence}%`).join(", ")})`}</dd>
      </div>
    </dl>
  );
}

function LoadMore({ has, busy, onMore, shown, what }: { has: boolean; busy: boolean; onMore: () => void; shown: number; what: string }) {
  return (
    <div className="mt-2 flex items-center justify-between text-xs text-muted">
      <span>
        {shown} {what} shown
      </span>
      {has ? (
        <Button size="sm" onClick={onMore} disabled={busy}>
          {busy ? "Loading…" : "Load more"}
        </Button>
      ) : (
        <span>End of the list</span>
      )}
    </div>
  );
}

function EntityAlerts({ id }: { id: string }) {
  const q = useInfiniteQuery({
    queryKey: useOrgKey("entity-alerts", id),
    queryFn: ({ pageParam }) => entities.alerts(id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  if (q.isPending) return <Spinner label="Loading the alerts" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  const rows = q.data.pages.flatMap((p) => p.items);
  if (rows.length === 0) return <p className="text-sm text-muted">No alerts mention this entity.</p>;
  return (
    <>
      <ul className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="entity-alerts">
        {rows.map((a) => (
          <li key={a.id} className="flex items-center gap-2 py-1 text-sm" data-testid="entity-alert">
            <SeverityBadge severity={severityOf(a)} />
            <Link to={`/alerts/${a.id}`} className="min-w-0 flex-1 truncate hover:underline">
              {a.title}
            </Link>
            <StatusBadge status={a.status} />
            <span className="hidden font-mono text-xs text-muted md:inline">{fmtTime(a.event_time)}</span>
          </li>
        ))}
      </ul>
      <LoadMore has={!!q.hasNextPage} busy={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} shown={rows.length} what="alerts" />
    </>
  );
}

function EntityIncidents({ id }: { id: string }) {
  const q = useInfiniteQuery({
    queryKey: useOrgKey("entity-incidents", id),
    queryFn: ({ pageParam }) => entities.incidents(id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  if (q.isPending) return <Spinner label="Loading the incidents" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  const rows = q.data.pages.flatMap((p) => p.items);
  if (rows.length === 0) return <p className="text-sm text-muted">No incident holds an alert with this entity.</p>;
  return (
    <>
      <ul className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="entity-incidents">
        {rows.map((i) => (
          <li key={i.id} className="flex items-center gap-2 py-1 text-sm">
            <span className="w-16 text-xs font-semibold uppercase">{i.severity}</span>
            <Link to={`/incidents/${i.id}`} className="min-w-0 flex-1 truncate hover:underline">
              {i.title}
            </Link>
            <span className="text-xs text-muted">{i.status.replace(/_/g, " ")}</span>
          </li>
        ))}
      </ul>
      <LoadMore has={!!q.hasNextPage} busy={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} shown={rows.length} what="incidents" />
    </>
  );
}

function EntityTags({ id }: { id: string }) {
  const qc = useQueryClient();
  const { can } = useSession();
  const key = useOrgKey("entity", id);
  const q = useQuery({ queryKey: key, queryFn: () => entities.summary(id) });
  const [tag, setTag] = useState("");
  const m = useMutation({
    mutationFn: (c: { add?: string[]; remove?: string[] }) => entities.tags(id, c),
    onSuccess: () => {
      setTag("");
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  if (q.isPending) return <Spinner label="Loading tags" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  const tags = q.data.tags ?? [];
  const editable = can("alerts:write");
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-1" data-testid="entity-tags">
        {tags.length === 0 && <span className="text-sm text-muted">No tags.</span>}
        {tags.map((t) => (
          <span key={t} className="inline-flex items-center gap-1 rounded bg-slate-200 py-px pr-0.5 pl-1.5 font-mono text-[11px] text-slate-700 dark:bg-slate-800 dark:text-slate-300">
            {t}
            {editable && (
              <button type="button" aria-label={`Remove tag ${t}`} className="rounded px-1 hover:bg-slate-300 dark:hover:bg-slate-700" onClick={() => m.mutate({ remove: [t] })}>
                ×
              </button>
            )}
          </span>
        ))}
      </div>
      {editable && (
        <form
          className="flex gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (tag.trim()) m.mutate({ add: [tag.trim()] });
          }}
        >
          <Input aria-label="Add entity tag" placeholder="Add tag" className="h-7! w-40 text-xs" value={tag} onChange={(e) => setTag(e.target.value)} />
          <Button type="submit" size="sm" disabled={!tag.trim() || m.isPending}>
            Add
          </Button>
        </form>
      )}
      {m.error ? <ProblemAlert error={m.error} /> : null}
    </div>
  );
}

function EntityNotes({ id }: { id: string }) {
  const qc = useQueryClient();
  const { can } = useSession();
  const key = useOrgKey("entity-notes", id);
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => entities.notes(id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.next_cursor,
  });
  const [body, setBody] = useState("");
  const add = useMutation({
    mutationFn: () => entities.addNote(id, body.trim()),
    onSuccess: () => {
      setBody("");
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  const notes = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-2">
      {can("alerts:write") && (
        <form
          className="space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) add.mutate();
          }}
        >
          <textarea
            aria-label="New note on this entity"
            className="h-16 w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
            value={body}
            onChange={(e) => setBody(e.target.value)}
            placeholder="What do you know about it?"
          />
          <Button type="submit" size="sm" disabled={!body.trim() || add.isPending}>
            Add note
          </Button>
          {add.error ? <ProblemAlert error={add.error} /> : null}
        </form>
      )}
      {q.isPending ? (
        <Spinner label="Loading notes" />
      ) : q.error ? (
        <ProblemAlert error={q.error} />
      ) : notes.length === 0 ? (
        <p className="text-sm text-muted">No notes yet.</p>
      ) : (
        <ol className="space-y-2" data-testid="entity-notes">
          {notes.map((n) => (
            <NoteItem key={n.id} entityId={id} note={n} />
          ))}
        </ol>
      )}
      {q.hasNextPage && (
        <Button size="sm" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? "Loading…" : "More notes"}
        </Button>
      )}
    </div>
  );
}

function NoteItem({ entityId, note }: { entityId: string; note: EntityNote }) {
  const qc = useQueryClient();
  const { me } = useSession();
  const people = useAssignees();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(note.body);
  const [history, setHistory] = useState(false);
  const notesKey = useOrgKey("entity-notes", entityId);
  const revKey = useOrgKey("entity-note-revisions", note.id);
  const edit = useMutation({
    mutationFn: () => entities.editNote(entityId, note.id, text.trim()),
    onSuccess: () => {
      setEditing(false);
      void qc.invalidateQueries({ queryKey: notesKey });
      void qc.invalidateQueries({ queryKey: revKey });
    },
  });
  const revs = useQuery({ queryKey: revKey, queryFn: () => entities.revisions(entityId, note.id), enabled: history });
  const mine = !!me.user && note.author === `user:${me.user.id}`;
  return (
    <li className="border-l-2 border-slate-200 pl-2 text-xs dark:border-slate-700" data-testid="entity-note">
      <p className="text-muted">
        {actorLabel(note.author, people.data?.items)} · <span title={note.created_at}>{fmtTime(note.created_at)}</span>
        {note.revisions > 0 && <> · edited {note.revisions}×</>}
      </p>
      {editing ? (
        <form
          className="space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) edit.mutate();
          }}
        >
          <textarea
            aria-label="Edit note"
            autoFocus
            className="h-16 w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <div className="flex gap-1">
            <Button type="submit" size="sm" variant="primary" disabled={!text.trim() || text.trim() === note.body || edit.isPending}>
              Save
            </Button>
            <Button size="sm" variant="ghost" onClick={() => (setEditing(false), setText(note.body))}>
              Cancel
            </Button>
          </div>
          {edit.error ? <ProblemAlert error={edit.error} /> : null}
        </form>
      ) : (
        <p className="text-sm whitespace-pre-wrap">{note.body}</p>
      )}
      <div className="flex gap-1">
        {mine && !editing && (
          <Button size="sm" variant="ghost" onClick={() => (setText(note.body), setEditing(true))}>
            Edit
          </Button>
        )}
        {note.revisions > 0 && (
          <Button size="sm" variant="ghost" aria-expanded={history} onClick={() => setHistory((h) => !h)}>
            {history ? "Hide history" : "History"}
          </Button>
        )}
      </div>
      {history &&
        (revs.isPending ? (
          <Spinner label="Loading history" />
        ) : revs.error ? (
          <ProblemAlert error={revs.error} />
        ) : (
          <ol className="mt-1 space-y-1" data-testid="note-history">
            {revs.data.map((r, i) => (
              <li key={i} className="text-muted">
                <span title={r.edited_at}>{fmtTime(r.edited_at)}</span> (replaced by {actorLabel(r.edited_by, people.data?.items)}): <span className="whitespace-pre-wrap text-slate-700 dark:text-slate-300">{r.body}</span>
              </li>
            ))}
          </ol>
        ))}
    </li>
  );
}
