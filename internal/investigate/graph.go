package investigate

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Graph bounds.
const (
	DefaultFanout   = 10
	MaxFanout       = 50
	DefaultMaxNodes = 100
	MaxNodes        = 500
)

// GraphNode kinds.
const (
	NodeEntity   = "entity"
	NodeAlert    = "alert"
	NodeIncident = "incident"
)

// GraphEdge kinds.
const (
	// EdgeMentions goes from an alert to an entity it mentions.
	EdgeMentions = "mentions"
	// EdgeContains goes from an incident to an alert linked to it.
	EdgeContains = "contains"
)

// Cursor kinds of the neighbour pages.
const (
	kindEntityNeighbours   = "graph-entity"
	kindAlertNeighbours    = "graph-alert"
	kindIncidentNeighbours = "graph-incident"
)

// GraphNode is one vertex of the graph. Its id is "<kind>:<uuid>".
type GraphNode struct {
	ID    string    `json:"id" doc:"<kind>:<uuid>, unique in the graph"`
	Kind  string    `json:"kind" enum:"entity,alert,incident"`
	Ref   uuid.UUID `json:"ref" doc:"Id of the entity, alert or incident (its page and neighbours route)"`
	Label string    `json:"label" doc:"Entity value, alert or incident title"`
	Depth int       `json:"depth" doc:"Hops from the root (0 is the root)"`
	// EntityType is set on entity nodes.
	EntityType alert.EntityType `json:"entity_type,omitempty"`
	Severity   string           `json:"severity,omitempty" doc:"Alert or incident severity"`
	Status     string           `json:"status,omitempty" doc:"Alert or incident status"`
	Time       *time.Time       `json:"time,omitempty" doc:"Alert received time or incident creation time"`
	// Truncated: the node has neighbours not in the graph; Cursor fetches
	// the next page of them from the node's neighbours route.
	Truncated bool   `json:"truncated,omitempty" doc:"The node has neighbours left out (fan-out limit or node cap)"`
	Cursor    string `json:"cursor,omitempty" doc:"Pass to the node's neighbours route (cursor=) for the next neighbours"`
}

// GraphEdge is one relation.
type GraphEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind" enum:"mentions,contains"`
	Role string `json:"role,omitempty" doc:"How the entity appears in the alert (src, dst, actor, ...)"`
}

// Graph is a bounded neighbourhood.
type Graph struct {
	Root  string      `json:"root"`
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
	// Truncated: the node cap stopped the walk (some nodes are truncated).
	Truncated bool `json:"truncated" doc:"The node cap or a fan-out limit left neighbours out; nodes with truncated: true carry a cursor"`
	// Incidents: false when the caller may not read incidents (no incident
	// nodes then).
	Incidents bool `json:"incidents" doc:"Incident nodes included (the caller holds incidents:read)"`
}

// GraphQuery bounds a graph.
type GraphQuery struct {
	Depth    int
	Fanout   int
	MaxNodes int
}

func (q *GraphQuery) normalize() {
	if q.Depth != 1 {
		q.Depth = 2
	}
	if q.Fanout <= 0 {
		q.Fanout = DefaultFanout
	}
	q.Fanout = min(q.Fanout, MaxFanout)
	if q.MaxNodes <= 0 {
		q.MaxNodes = DefaultMaxNodes
	}
	q.MaxNodes = min(max(q.MaxNodes, 2), MaxNodes)
}

func nodeID(kind string, id uuid.UUID) string { return kind + ":" + id.String() }

// builder accumulates a graph under its node cap.
type builder struct {
	g     *Graph
	index map[string]int
	edges map[GraphEdge]bool
	cap   int
}

func newBuilder(root string, capN int, incidents bool) *builder {
	return &builder{g: &Graph{Root: root, Nodes: []GraphNode{}, Edges: []GraphEdge{}, Incidents: incidents}, index: map[string]int{}, edges: map[GraphEdge]bool{}, cap: capN}
}

// full reports whether another new node would pass the cap.
func (b *builder) full() bool { return len(b.g.Nodes) >= b.cap }

// node adds n unless present; false when the cap refused it.
func (b *builder) node(n GraphNode) bool {
	if _, ok := b.index[n.ID]; ok {
		return true
	}
	if b.full() {
		b.g.Truncated = true
		return false
	}
	b.index[n.ID] = len(b.g.Nodes)
	b.g.Nodes = append(b.g.Nodes, n)
	return true
}

func (b *builder) edge(e GraphEdge) {
	if !b.edges[e] {
		b.edges[e] = true
		b.g.Edges = append(b.g.Edges, e)
	}
}

// truncate marks node id as having more neighbours after cursor.
func (b *builder) truncate(id, cursor string) {
	if i, ok := b.index[id]; ok {
		b.g.Nodes[i].Truncated, b.g.Nodes[i].Cursor = true, cursor
		b.g.Truncated = true
	}
}

func entityNode(e alerts.StoredEntity, depth int) GraphNode {
	return GraphNode{ID: nodeID(NodeEntity, e.ID), Kind: NodeEntity, Ref: e.ID, Label: e.Value, EntityType: e.Type, Depth: depth}
}

func alertNode(a alert.Alert, depth int) GraphNode {
	t := a.ReceivedTime
	return GraphNode{ID: nodeID(NodeAlert, a.ID), Kind: NodeAlert, Ref: a.ID, Label: a.Title, Severity: a.Severity.String(), Status: string(a.Status), Time: &t, Depth: depth}
}

func incidentNode(i incident.Incident, depth int) GraphNode {
	t := i.CreatedAt
	return GraphNode{ID: nodeID(NodeIncident, i.ID), Kind: NodeIncident, Ref: i.ID, Label: i.Title, Severity: i.Severity, Status: string(i.Status), Time: &t, Depth: depth}
}

// EntityGraph returns the neighbourhood of the scope's entity id: its
// newest alerts (up to the fan-out) and, at depth 2, their incidents and
// their other entities (up to the fan-out per alert), under the node cap.
// Every step is one bounded, index-served read, so the cost depends on the
// bounds, never on how many alerts mention the entity.
func (s *Store) EntityGraph(ctx context.Context, scope tenant.Scope, id uuid.UUID, q GraphQuery) (*Graph, error) {
	q.normalize()
	e, err := s.Alerts.Entity(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	root := nodeID(NodeEntity, id)
	b := newBuilder(root, q.MaxNodes, s.can(ctx, rbac.IncidentsRead))
	b.node(entityNode(e, 0))
	as, err := s.entityAlertPage(ctx, scope, b, e.ID, nil, q.Fanout, 1)
	if err != nil {
		return nil, err
	}
	if q.Depth < 2 || len(as) == 0 {
		return b.g, nil
	}
	ids := make([]uuid.UUID, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	if b.g.Incidents {
		if err := s.alertIncidents(ctx, scope, b, ids, 2); err != nil {
			return nil, err
		}
	}
	// One more than the fan-out: the root is among each alert's entities.
	links, more, err := s.Alerts.AlertEntities(ctx, scope, ids, nil, q.Fanout+1)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		aid := nodeID(NodeAlert, a.ID)
		var last *uuid.UUID
		cut, added := more[a.ID], 0
		for _, l := range links[a.ID] {
			if l.ID == e.ID {
				continue // the root: its edge is there already
			}
			if added == q.Fanout {
				cut = true
				break
			}
			added++
			if !b.node(entityNode(l.StoredEntity, 2)) {
				cut = true
				break
			}
			b.edge(GraphEdge{From: aid, To: nodeID(NodeEntity, l.ID), Kind: EdgeMentions, Role: l.Role})
			lid := l.ID
			last = &lid
		}
		if cut {
			b.truncate(aid, alertCursor(last))
		}
	}
	return b.g, nil
}

func alertCursor(last *uuid.UUID) string {
	if last == nil {
		return page.Encode(kindAlertNeighbours, idKey{})
	}
	return page.Encode(kindAlertNeighbours, idKey{ID: *last})
}

// entityAlertPage adds up to fanout of the entity's alerts older than
// before as nodes at depth, with their edges, marking the entity
// truncated when it has more.
func (s *Store) entityAlertPage(ctx context.Context, scope tenant.Scope, b *builder, entityID uuid.UUID, before *uuid.UUID, fanout, depth int) ([]alert.Alert, error) {
	as, err := s.Alerts.EntityAlerts(ctx, scope, entityID, before, fanout+1)
	if err != nil {
		return nil, err
	}
	eid := nodeID(NodeEntity, entityID)
	more := len(as) > fanout
	if more {
		as = as[:fanout]
	}
	kept := as[:0]
	for _, a := range as {
		if !b.node(alertNode(a, depth)) {
			more = true
			break
		}
		b.edge(GraphEdge{From: nodeID(NodeAlert, a.ID), To: eid, Kind: EdgeMentions})
		kept = append(kept, a)
	}
	if more {
		cursor := page.Encode(kindEntityNeighbours, idKey{})
		if len(kept) > 0 {
			cursor = page.Encode(kindEntityNeighbours, idKey{ID: kept[len(kept)-1].ID})
		} else if before != nil {
			cursor = page.Encode(kindEntityNeighbours, idKey{ID: *before})
		}
		b.truncate(eid, cursor)
	}
	return kept, nil
}

// alertIncidents adds the incidents of alerts ids (one per alert) at depth.
func (s *Store) alertIncidents(ctx context.Context, scope tenant.Scope, b *builder, ids []uuid.UUID, depth int) error {
	m, err := s.Incidents.IncidentsOfAlerts(ctx, scope, ids)
	if err != nil || len(m) == 0 {
		return err
	}
	var incIDs []uuid.UUID
	for _, inc := range m {
		incIDs = append(incIDs, inc)
	}
	incs, err := s.Incidents.Briefs(ctx, scope, incIDs)
	if err != nil {
		return err
	}
	byID := map[uuid.UUID]incident.Incident{}
	for _, i := range incs {
		byID[i.ID] = i
	}
	for _, aid := range ids {
		incID, ok := m[aid]
		if !ok {
			continue
		}
		inc, ok := byID[incID]
		if !ok {
			continue
		}
		if !b.node(incidentNode(inc, depth)) {
			// The alert's incident did not fit: the alert's neighbours
			// route returns it on its first page.
			b.truncate(nodeID(NodeAlert, aid), alertCursor(nil))
			continue
		}
		b.edge(GraphEdge{From: nodeID(NodeIncident, inc.ID), To: nodeID(NodeAlert, aid), Kind: EdgeContains})
	}
	return nil
}

// EntityNeighbours returns the next page of an entity's alerts (after
// cursor, from a node's cursor) as a graph rooted at the entity.
func (s *Store) EntityNeighbours(ctx context.Context, scope tenant.Scope, id uuid.UUID, cursor string, fanout int) (*Graph, error) {
	var before *uuid.UUID
	if cursor != "" {
		k, err := page.Decode[idKey](kindEntityNeighbours, cursor)
		if err != nil {
			return nil, err
		}
		if k.ID != uuid.Nil {
			before = &k.ID
		}
	}
	fanout = page.Limit(fanout, DefaultFanout, MaxFanout)
	e, err := s.Alerts.Entity(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	b := newBuilder(nodeID(NodeEntity, id), fanout+1, s.can(ctx, rbac.IncidentsRead))
	b.node(entityNode(e, 0))
	if _, err := s.entityAlertPage(ctx, scope, b, id, before, fanout, 1); err != nil {
		return nil, err
	}
	return b.g, nil
}

// AlertNeighbours returns an alert's incident (on the first page) and the
// next page of its entities as a graph rooted at the alert.
func (s *Store) AlertNeighbours(ctx context.Context, scope tenant.Scope, id uuid.UUID, cursor string, fanout int) (*Graph, error) {
	var after *uuid.UUID
	if cursor != "" {
		k, err := page.Decode[idKey](kindAlertNeighbours, cursor)
		if err != nil {
			return nil, err
		}
		if k.ID != uuid.Nil {
			after = &k.ID
		}
	}
	fanout = page.Limit(fanout, DefaultFanout, MaxFanout)
	as, err := s.Alerts.Summaries(ctx, scope, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, apperr.NotFound("alert")
	}
	aid := nodeID(NodeAlert, id)
	b := newBuilder(aid, fanout+2, s.can(ctx, rbac.IncidentsRead))
	b.node(alertNode(as[0], 0))
	if after == nil && b.g.Incidents {
		if err := s.alertIncidents(ctx, scope, b, []uuid.UUID{id}, 1); err != nil {
			return nil, err
		}
	}
	links, more, err := s.Alerts.AlertEntities(ctx, scope, []uuid.UUID{id}, after, fanout)
	if err != nil {
		return nil, err
	}
	var last *uuid.UUID
	for _, l := range links[id] {
		b.node(entityNode(l.StoredEntity, 1))
		b.edge(GraphEdge{From: aid, To: nodeID(NodeEntity, l.ID), Kind: EdgeMentions, Role: l.Role})
		lid := l.ID
		last = &lid
	}
	if more[id] {
		b.truncate(aid, alertCursor(last))
	}
	return b.g, nil
}

// IncidentNeighbours returns the next page of an incident's alerts (oldest
// link first) as a graph rooted at the incident.
func (s *Store) IncidentNeighbours(ctx context.Context, scope tenant.Scope, id uuid.UUID, cursor string, fanout int) (*Graph, error) {
	var after *uuid.UUID
	if cursor != "" {
		k, err := page.Decode[idKey](kindIncidentNeighbours, cursor)
		if err != nil {
			return nil, err
		}
		after = &k.ID
	}
	fanout = page.Limit(fanout, DefaultFanout, MaxFanout)
	inc, err := s.Incidents.Get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	iid := nodeID(NodeIncident, id)
	b := newBuilder(iid, fanout+1, true)
	b.node(incidentNode(*inc, 0))
	las, next, err := s.Incidents.LinkedAlerts(ctx, scope, id, after, fanout)
	if err != nil {
		return nil, err
	}
	for _, la := range las {
		t := la.EventTime
		b.node(GraphNode{ID: nodeID(NodeAlert, la.AlertID), Kind: NodeAlert, Ref: la.AlertID, Label: la.Title, Severity: la.Severity, Time: &t, Depth: 1})
		b.edge(GraphEdge{From: iid, To: nodeID(NodeAlert, la.AlertID), Kind: EdgeContains})
	}
	if next != "" {
		b.truncate(iid, page.Encode(kindIncidentNeighbours, idKey{ID: las[len(las)-1].AlertID}))
	}
	return b.g, nil
}

// GraphInput bounds the entity graph.
type GraphInput struct {
	ID       uuid.UUID `path:"id"`
	Depth    int       `query:"depth" minimum:"1" maximum:"2" default:"2" doc:"1: the entity's alerts; 2: also their incidents and other entities"`
	Fanout   int       `query:"fanout" minimum:"1" maximum:"50" default:"10" doc:"Neighbours per node at most"`
	MaxNodes int       `query:"max_nodes" minimum:"2" maximum:"500" default:"100" doc:"Nodes in the answer at most"`
}

// NeighboursInput pages one node's neighbours.
type NeighboursInput struct {
	ID     uuid.UUID `path:"id"`
	Cursor string    `query:"cursor" maxLength:"1024" doc:"A truncated node's cursor (empty: the first page)"`
	Fanout int       `query:"fanout" minimum:"1" maximum:"50" default:"10" doc:"Neighbours in this page at most"`
}

// GraphOutput is a graph.
type GraphOutput struct{ Body *Graph }

func (a *API) registerGraph(api huma.API, tags []string) {
	read := rbac.AlertsRead
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-entity-graph", Method: http.MethodGet, Path: httpapi.APIPrefix + "/entities/{id}/graph",
		Summary: "The entity ↔ alert ↔ incident neighbourhood of an entity (bounded: depth, fan-out per node, node cap)", Tags: tags,
		Description: "Depth 1: the entity's newest alerts; depth 2: also their incidents and their other entities. " +
			"A node with truncated: true has more neighbours: pass its cursor to its kind's neighbours route " +
			"(/entities/{id}/graph/neighbours, /alerts/{id}/graph/neighbours, /incidents/{id}/graph/neighbours) and merge the answer. " +
			"Incident nodes appear only for callers with incidents:read."}, read),
		func(ctx context.Context, in *GraphInput) (*GraphOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			g, err := a.Store.EntityGraph(ctx, scope, in.ID, GraphQuery{Depth: in.Depth, Fanout: in.Fanout, MaxNodes: in.MaxNodes})
			return &GraphOutput{Body: g}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-entity-graph-neighbours", Method: http.MethodGet, Path: httpapi.APIPrefix + "/entities/{id}/graph/neighbours",
		Summary: "Next page of an entity node's neighbours (its alerts, most recently stored first)", Tags: tags}, read),
		func(ctx context.Context, in *NeighboursInput) (*GraphOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			g, err := a.Store.EntityNeighbours(ctx, scope, in.ID, in.Cursor, in.Fanout)
			return &GraphOutput{Body: g}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-alert-graph-neighbours", Method: http.MethodGet, Path: httpapi.APIPrefix + "/alerts/{id}/graph/neighbours",
		Summary: "Next page of an alert node's neighbours (its incident on the first page, then its entities)", Tags: tags}, read),
		func(ctx context.Context, in *NeighboursInput) (*GraphOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			g, err := a.Store.AlertNeighbours(ctx, scope, in.ID, in.Cursor, in.Fanout)
			return &GraphOutput{Body: g}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-graph-neighbours", Method: http.MethodGet, Path: httpapi.APIPrefix + "/incidents/{id}/graph/neighbours",
		Summary: "Next page of an incident node's neighbours (its alerts, oldest link first)", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *NeighboursInput) (*GraphOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			g, err := a.Store.IncidentNeighbours(ctx, scope, in.ID, in.Cursor, in.Fanout)
			return &GraphOutput{Body: g}, err
		})
}
