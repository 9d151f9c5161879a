// The relations graph of an entity page, drawn with SVG: the entity in the
// middle, its alerts on the first ring, their incidents and other entities
// on the next. One tab stop: arrows move between nodes (breadth first),
// Home/End jump, Enter opens the node's page, + loads the next neighbours of
// a node marked "more" (the API's cursor). Bounded by the API (fan-out per
// node, node cap); every load more adds at most one page.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useNavigate } from "react-router";
import { entities, type Graph, type GraphNode } from "../api/entities";
import { useOrgKey } from "../auth/session";
import { Button, ProblemAlert, Spinner } from "../components/ui";
import { describeNode, layout, mergeNeighbours, nodePath, short } from "./entityGraph";

const FILL: Record<GraphNode["kind"], string> = {
  entity: "fill-sky-100 stroke-sky-700 dark:fill-sky-950 dark:stroke-sky-300",
  alert: "fill-amber-100 stroke-amber-700 dark:fill-amber-950 dark:stroke-amber-300",
  incident: "fill-rose-100 stroke-rose-700 dark:fill-rose-950 dark:stroke-rose-300",
};

export function EntityGraph({ entityId }: { entityId: string }) {
  const key = useOrgKey("entity-graph", entityId);
  const qc = useQueryClient();
  const q = useQuery({ queryKey: key, queryFn: () => entities.graph(entityId) });
  const more = useMutation({
    mutationFn: (n: GraphNode) => entities.neighbours(n),
    onSuccess: (g, n) => qc.setQueryData<Graph>(key, (old) => (old ? mergeNeighbours(old, n.id, g) : old)),
  });
  if (q.isPending) return <Spinner label="Loading the relations graph" />;
  if (q.error) return <ProblemAlert error={q.error} />;
  if (q.data.nodes.length <= 1) return <p className="text-sm text-muted">No relations yet: no alert mentions this entity.</p>;
  return <GraphView g={q.data} onMore={(n) => more.mutate(n)} loading={more.isPending ? more.variables?.id : undefined} error={more.error} />;
}

function GraphView({ g, onMore, loading, error }: { g: Graph; onMore: (n: GraphNode) => void; loading?: string; error: unknown }) {
  const navigate = useNavigate();
  const lay = useMemo(() => layout(g), [g]);
  const links = useMemo(() => {
    const m = new Map<string, number>();
    for (const e of g.edges) for (const id of [e.from, e.to]) m.set(id, (m.get(id) ?? 0) + 1);
    return m;
  }, [g]);
  const [focusId, setFocusId] = useState(g.root);
  const refs = useRef(new Map<string, SVGGElement>());
  const idx = Math.max(0, lay.placed.findIndex((p) => p.node.id === focusId));
  const current = lay.placed[idx]?.node;
  const go = (i: number) => {
    const p = lay.placed[(i + lay.placed.length) % lay.placed.length];
    if (!p) return;
    setFocusId(p.node.id);
    refs.current.get(p.node.id)?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowRight" || e.key === "ArrowDown") go(idx + 1);
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") go(idx - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(lay.placed.length - 1);
    else if (e.key === "Enter" && current && current.id !== g.root) navigate(nodePath(current));
    else if ((e.key === "+" || e.key === "=") && current?.truncated) onMore(current);
    else return;
    e.preventDefault();
  };
  const truncated = lay.placed.filter((p) => p.node.truncated);
  return (
    <div className="space-y-2">
      <div className="overflow-auto rounded border border-slate-200 dark:border-slate-800" data-scroll-x>
        <svg
          role="group"
          aria-label={`Relations graph: ${lay.placed.length} nodes, ${g.edges.length} links. Arrow keys move between nodes, Enter opens one, + loads more around a node.`}
          viewBox={`0 0 ${lay.size} ${lay.size}`}
          width={Math.min(lay.size, 720)}
          height={Math.min(lay.size, 720)}
          className="mx-auto block max-w-full"
          onKeyDown={onKey}
          data-testid="entity-graph"
        >
          <g aria-hidden="true">
            {g.edges.map((e) => {
              const a = lay.byId.get(e.from);
              const b = lay.byId.get(e.to);
              if (!a || !b) return null;
              return <line key={`${e.from}|${e.to}|${e.kind}`} x1={a.x} y1={a.y} x2={b.x} y2={b.y} className={e.kind === "contains" ? "stroke-rose-400 dark:stroke-rose-700" : "stroke-slate-300 dark:stroke-slate-600"} strokeWidth={1} />;
            })}
          </g>
          {lay.placed.map((p) => {
            const n = p.node;
            const r = n.id === g.root ? 16 : n.kind === "incident" ? 11 : 9;
            const focused = n.id === current?.id;
            return (
              <g
                key={n.id}
                ref={(el) => {
                  if (el) refs.current.set(n.id, el);
                  else refs.current.delete(n.id);
                }}
                role="button"
                tabIndex={focused ? 0 : -1}
                aria-label={describeNode(n, links.get(n.id) ?? 0)}
                data-testid="graph-node"
                data-kind={n.kind}
                onFocus={() => setFocusId(n.id)}
                onClick={() => (n.id === g.root ? setFocusId(n.id) : navigate(nodePath(n)))}
                className="cursor-pointer outline-none"
              >
                {n.kind === "incident" ? (
                  <rect x={p.x - r} y={p.y - r} width={2 * r} height={2 * r} rx={3} transform={`rotate(45 ${p.x} ${p.y})`} className={FILL[n.kind]} strokeWidth={focused ? 3 : 1.5} />
                ) : n.kind === "alert" ? (
                  <rect x={p.x - r} y={p.y - r} width={2 * r} height={2 * r} rx={3} className={FILL[n.kind]} strokeWidth={focused ? 3 : 1.5} />
                ) : (
                  <circle cx={p.x} cy={p.y} r={r} className={FILL[n.kind]} strokeWidth={focused ? 3 : 1.5} />
                )}
                {focused && <circle cx={p.x} cy={p.y} r={r + 6} fill="none" className="stroke-sky-600 dark:stroke-sky-300" strokeWidth={2} strokeDasharray="3 2" />}
              </g>
            );
          })}
          {/* Labels outside the node buttons: a node's name is its full description, the drawing shows a short form. */}
          <g aria-hidden="true" pointerEvents="none">
            {lay.placed.map((p) => {
              const n = p.node;
              const r = n.id === g.root ? 16 : n.kind === "incident" ? 11 : 9;
              const focused = n.id === current?.id;
              return (
                <g key={n.id}>
                  {n.truncated && (
                    <text x={p.x + r + 2} y={p.y - r} className="fill-slate-900 text-[11px] font-bold dark:fill-slate-100">
                      +
                    </text>
                  )}
                  {(lay.labelled.has(p.ring) || focused) && (
                    <text x={p.x} y={p.y + r + 12} textAnchor="middle" className="fill-slate-800 text-[10px] dark:fill-slate-200">
                      {short(n.label)}
                    </text>
                  )}
                </g>
              );
            })}
          </g>
        </svg>
      </div>
      <p className="text-xs" role="status" data-testid="graph-focus">
        {current ? describeNode(current, links.get(current.id) ?? 0) : ""}
        {current?.truncated ? " · press + to load more" : ""}
      </p>
      <p className="text-[11px] text-muted">
        <span aria-hidden="true">●</span> entity · <span aria-hidden="true">■</span> alert · <span aria-hidden="true">◆</span> incident · + more to load. Keys: arrows move, Home/End, Enter opens, + loads more.
        {!g.incidents && " Incidents are not shown (your role cannot read incidents)."}
      </p>
      {truncated.length > 0 && (
        <div className="flex flex-wrap items-center gap-1" data-testid="graph-more">
          <span className="text-xs text-muted">Load more around:</span>
          {truncated.slice(0, 8).map((p) => (
            <Button key={p.node.id} size="sm" variant="ghost" disabled={loading === p.node.id} onClick={() => onMore(p.node)}>
              {loading === p.node.id ? "Loading…" : short(p.node.label, 24)}
            </Button>
          ))}
          {truncated.length > 8 && <span className="text-xs text-muted">and {truncated.length - 8} more (use + on a node)</span>}
        </div>
      )}
      {error ? <ProblemAlert error={error} /> : null}
    </div>
  );
}
