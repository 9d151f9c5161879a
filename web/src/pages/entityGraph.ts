// The entity page's relations graph: merging a node's next neighbours (the
// API's per-node cursors) into the graph, a radial layout (root in the
// middle, one ring per hop, each subtree in its own angular sector) and
// the keyboard order of the nodes (breadth first, ring by ring).
import type { Graph, GraphEdge, GraphNode } from "../api/entities";
import { entityPath } from "../api/entities";

const edgeKey = (e: GraphEdge) => `${e.from}|${e.to}|${e.kind}`;

/**
 * mergeNeighbours adds what a neighbours call answered for node `at` (a
 * graph rooted at it): new nodes one hop further, new edges, and the
 * node's own next cursor (none: nothing left to load).
 */
export function mergeNeighbours(g: Graph, at: string, more: Graph): Graph {
  const base = g.nodes.find((n) => n.id === at);
  const depth = base?.depth ?? 0;
  const have = new Map(g.nodes.map((n) => [n.id, n]));
  const nodes = g.nodes.map((n) => {
    if (n.id !== at) return n;
    const r = more.nodes.find((x) => x.id === more.root);
    return { ...n, truncated: !!r?.truncated, cursor: r?.truncated ? r.cursor : undefined };
  });
  for (const n of more.nodes) if (!have.has(n.id)) nodes.push({ ...n, depth: depth + n.depth });
  const keys = new Set(g.edges.map(edgeKey));
  const edges = [...g.edges];
  for (const e of more.edges) if (!keys.has(edgeKey(e))) (keys.add(edgeKey(e)), edges.push(e));
  return { ...g, nodes, edges, truncated: nodes.some((n) => n.truncated) };
}

export interface Placed {
  node: GraphNode;
  x: number;
  y: number;
  ring: number;
  parent?: string;
}

export interface Layout {
  placed: Placed[];
  byId: Map<string, Placed>;
  size: number;
  /** Rings with few enough nodes to show every label. */
  labelled: Set<number>;
}

const RING = 110;
const MARGIN = 70;
/** Arc length per node on a ring (px): rings grow to give each node this much. */
const SLOT = 26;

/** layout places the nodes: breadth first from the root, children in their parent's sector (sized by leaves). */
export function layout(g: Graph): Layout {
  const adj = new Map<string, string[]>();
  for (const n of g.nodes) adj.set(n.id, []);
  for (const e of g.edges) {
    if (!adj.has(e.from) || !adj.has(e.to)) continue;
    adj.get(e.from)!.push(e.to);
    adj.get(e.to)!.push(e.from);
  }
  const root = adj.has(g.root) ? g.root : g.nodes[0]?.id;
  const parent = new Map<string, string | undefined>();
  const ring = new Map<string, number>();
  const children = new Map<string, string[]>();
  const order: string[] = [];
  if (root) {
    parent.set(root, undefined);
    ring.set(root, 0);
    const queue = [root];
    while (queue.length) {
      const id = queue.shift()!;
      order.push(id);
      children.set(id, []);
      for (const nb of adj.get(id) ?? []) {
        if (parent.has(nb)) continue;
        parent.set(nb, id);
        ring.set(nb, ring.get(id)! + 1);
        children.get(id)!.push(nb);
        queue.push(nb);
      }
    }
  }
  // Nodes the edges do not reach hang off the root (never dropped).
  for (const n of g.nodes)
    if (!parent.has(n.id) && root) {
      parent.set(n.id, root);
      ring.set(n.id, 1);
      children.get(root)!.push(n.id);
      children.set(n.id, []);
      order.push(n.id);
    }
  const leaves = new Map<string, number>();
  for (const id of [...order].reverse()) leaves.set(id, Math.max(1, (children.get(id) ?? []).reduce((s, c) => s + leaves.get(c)!, 0)));
  const perRing = new Map<number, number>();
  for (const r of ring.values()) perRing.set(r, (perRing.get(r) ?? 0) + 1);
  const radius = new Map<number, number>();
  let prev = 0;
  for (const r of [...perRing.keys()].sort((a, b) => a - b)) {
    const want = r === 0 ? 0 : Math.max(prev + RING, ((perRing.get(r) ?? 0) * SLOT) / (2 * Math.PI));
    radius.set(r, want);
    prev = want;
  }
  const maxR = Math.max(0, ...radius.values());
  const size = 2 * (maxR + MARGIN);
  const c = size / 2;
  const placed = new Map<string, Placed>();
  const nodeById = new Map(g.nodes.map((n) => [n.id, n]));
  const place = (id: string, from: number, to: number) => {
    const r = radius.get(ring.get(id)!) ?? 0;
    const a = (from + to) / 2 - Math.PI / 2;
    placed.set(id, { node: nodeById.get(id)!, x: c + r * Math.cos(a), y: c + r * Math.sin(a), ring: ring.get(id)!, parent: parent.get(id) });
    const kids = children.get(id) ?? [];
    const total = kids.reduce((s, k) => s + leaves.get(k)!, 0);
    let at = from;
    for (const k of kids) {
      const span = ((to - from) * leaves.get(k)!) / total;
      place(k, at, at + span);
      at += span;
    }
  };
  if (root) place(root, 0, 2 * Math.PI);
  const list = order.map((id) => placed.get(id)!).filter(Boolean);
  const labelled = new Set([...perRing.entries()].filter(([r, n]) => r <= 1 || n <= 24).map(([r]) => r));
  return { placed: list, byId: placed, size, labelled };
}

/** nodePath is the page a node opens. */
export function nodePath(n: GraphNode): string {
  if (n.kind === "alert") return `/alerts/${encodeURIComponent(n.ref)}`;
  if (n.kind === "incident") return `/incidents/${encodeURIComponent(n.ref)}`;
  return entityPath(n.entity_type ?? "ip", n.label);
}

/** describeNode is how a node reads to a screen reader and in the caption. */
export function describeNode(n: GraphNode, links: number): string {
  const kind = n.kind === "entity" ? (n.entity_type ?? "entity") : n.kind;
  const bits = [`${kind} ${n.label}`];
  if (n.severity) bits.push(`severity ${n.severity}`);
  if (n.status) bits.push(n.status.replace(/_/g, " "));
  bits.push(`${links} link${links === 1 ? "" : "s"}`);
  if (n.truncated) bits.push("more to load");
  return bits.join(", ");
}

/** short cuts a label for the drawing (the full text is in the accessible name). */
export function short(s: string, n = 18): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
