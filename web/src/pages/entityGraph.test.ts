import { describe, expect, it } from "vitest";
import type { Graph, GraphNode } from "../api/entities";
import { describeNode, layout, mergeNeighbours, nodePath } from "./entityGraph";

const n = (id: string, kind: GraphNode["kind"], depth: number, extra: Partial<GraphNode> = {}): GraphNode => ({ id, kind, ref: id.split(":")[1] ?? id, label: id, depth, ...extra });

const g: Graph = {
  root: "entity:e1",
  nodes: [
    n("entity:e1", "entity", 0, { entity_type: "ip", label: "10.0.0.1" }),
    n("alert:a1", "alert", 1, { truncated: true, cursor: "c1" }),
    n("alert:a2", "alert", 1),
    n("incident:i1", "incident", 2),
    n("entity:e2", "entity", 2, { entity_type: "hostname", label: "web-01" }),
  ],
  edges: [
    { from: "alert:a1", to: "entity:e1", kind: "mentions" },
    { from: "alert:a2", to: "entity:e1", kind: "mentions" },
    { from: "incident:i1", to: "alert:a1", kind: "contains" },
    { from: "alert:a1", to: "entity:e2", kind: "mentions" },
  ],
  truncated: true,
  incidents: true,
};

describe("entity graph", () => {
  it("lays out ring by ring from the root, every node inside the drawing", () => {
    const l = layout(g);
    expect(l.placed.map((p) => p.node.id)).toEqual(["entity:e1", "alert:a1", "alert:a2", "incident:i1", "entity:e2"]);
    expect(l.placed.map((p) => p.ring)).toEqual([0, 1, 1, 2, 2]);
    const root = l.byId.get("entity:e1")!;
    expect(root.x).toBeCloseTo(l.size / 2);
    for (const p of l.placed) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(l.size);
      expect(p.y).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(l.size);
    }
    // Children sit in their parent's sector: a1's two children are nearer a1 than a2 is.
    const d = (a: string, b: string) => Math.hypot(l.byId.get(a)!.x - l.byId.get(b)!.x, l.byId.get(a)!.y - l.byId.get(b)!.y);
    expect(d("alert:a1", "incident:i1")).toBeLessThan(d("alert:a2", "incident:i1"));
  });
  it("merges a node's next neighbours one hop further and takes its next cursor", () => {
    const more: Graph = {
      root: "alert:a1",
      nodes: [n("alert:a1", "alert", 0), n("entity:e2", "entity", 1), n("entity:e3", "entity", 1, { entity_type: "user", label: "dave" })],
      edges: [
        { from: "alert:a1", to: "entity:e2", kind: "mentions" },
        { from: "alert:a1", to: "entity:e3", kind: "mentions" },
      ],
      truncated: false,
      incidents: true,
    };
    const m = mergeNeighbours(g, "alert:a1", more);
    expect(m.nodes.map((x) => x.id)).toEqual([...g.nodes.map((x) => x.id), "entity:e3"]);
    expect(m.nodes.find((x) => x.id === "entity:e3")?.depth).toBe(2);
    expect(m.edges).toHaveLength(5);
    const a1 = m.nodes.find((x) => x.id === "alert:a1")!;
    expect(a1.truncated).toBe(false);
    expect(a1.cursor).toBeUndefined();
    expect(m.truncated).toBe(false);
  });
  it("opens each node's page and describes it", () => {
    const [root, a1, , i1] = g.nodes as [GraphNode, GraphNode, GraphNode, GraphNode];
    expect(nodePath(root)).toBe("/entities/ip/10.0.0.1");
    expect(nodePath(a1)).toBe("/alerts/a1");
    expect(nodePath(i1)).toBe("/incidents/i1");
    expect(nodePath(n("entity:u", "entity", 1, { entity_type: "url", label: "http://x.example/a b" }))).toBe("/entities/url/http%3A//x.example/a%20b");
    expect(describeNode(a1, 3)).toBe("alert alert:a1, 3 links, more to load");
  });
});
