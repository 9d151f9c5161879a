package investigate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/investigate"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

type env struct {
	t         *testing.T
	d         *db.DB
	store     *investigate.Store
	incidents *incident.Store
	scope     tenant.Scope
	member    identitytest.Member
	ingest    *ingest.Pipeline
}

func newEnv(t *testing.T, d *db.DB, name string) *env {
	t.Helper()
	org := identitytest.NewOrg(t, d, name)
	m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
	norm := func(_ string, raw []byte) ([]alert.Alert, error) {
		var a alert.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return []alert.Alert{a}, nil
	}
	as := &alerts.Store{DB: d}
	incs := &incident.Store{DB: d, Alerts: as}
	return &env{
		t: t, d: d, scope: m.Scope(), member: m, incidents: incs,
		store:  &investigate.Store{DB: d, Alerts: as, Incidents: incs},
		ingest: &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: norm},
	}
}

func (e *env) alert(title, source string, ents ...alert.Entity) uuid.UUID {
	e.t.Helper()
	a := alert.Alert{Title: title, Severity: alert.SeverityHigh, Source: alert.Source{Type: source},
		Rule: alert.Rule{ID: "r-" + title, Name: "Rule " + title}, EventTime: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), Entities: ents}
	raw, _ := json.Marshal(a)
	sum, err := e.ingest.Ingest(context.Background(), e.scope, nil, "", "test", [][]byte{raw})
	if err != nil || sum.Accepted != 1 {
		e.t.Fatalf("ingest: %v %+v", err, sum)
	}
	return *sum.Results[0].ID
}

func (e *env) entity(t alert.EntityType, v string) uuid.UUID {
	e.t.Helper()
	ent, err := e.store.Resolve(context.Background(), e.scope, t, v)
	if err != nil {
		e.t.Fatalf("resolve %s:%s: %v", t, v, err)
	}
	return ent.ID
}

func kindOf(err error) apperr.Kind {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return -1
}

func fieldErr(t *testing.T, err error, loc string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation {
		t.Fatalf("want a validation error naming %s, got %v", loc, err)
	}
	for _, f := range ae.Fields {
		if f.Location == loc {
			return
		}
	}
	t.Fatalf("validation error %v does not name %s (fields %+v)", ae, loc, ae.Fields)
}

var (
	nat  = alert.Entity{Type: alert.EntityIP, Value: "203.0.113.7", Role: "src"}
	host = alert.Entity{Type: alert.EntityHostname, Value: "web-01", Role: "host"}
)

func TestEntityPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d, "Acme")
		var ids []uuid.UUID
		for i := range 5 {
			src := "suricata"
			if i%2 == 1 {
				src = "zeek"
			}
			ids = append(ids, e.alert(fmt.Sprintf("a%d", i), src, nat, alert.Entity{Type: alert.EntityUser, Value: fmt.Sprintf("u%d", i), Role: "actor"}))
		}
		e.alert("other", "suricata", host)
		inc, _, err := e.incidents.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: ids[:2]})
		if err != nil {
			t.Fatal(err)
		}
		// Canonicalized like at intake.
		ent, err := e.store.Resolve(ctx, e.scope, alert.EntityIP, "203.0.113.007")
		if err == nil {
			t.Fatalf("a non-canonical, invalid address resolved to %+v", ent)
		}
		id := e.entity(alert.EntityIP, "203.0.113.7")
		s, err := e.store.Summary(ctx, e.scope, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Entity.Value != "203.0.113.7" || s.Alerts.Count != 5 || s.Alerts.Capped || s.Incidents == nil || s.Incidents.Count != 1 ||
			strings.Join(s.Sources, ",") != "suricata,zeek" || len(s.Rules) != 5 || s.LastSeen == nil || s.Intel.Available {
			t.Fatalf("summary = %+v", s)
		}
		// Alerts: newest stored first, keyset paged.
		p1, err := e.store.EntityAlerts(ctx, e.scope, id, "", 2)
		if err != nil || len(p1.Items) != 2 || p1.Items[0].ID != ids[4] || p1.Items[1].ID != ids[3] || p1.NextCursor == "" {
			t.Fatalf("page 1 = %+v, %v", p1, err)
		}
		p2, err := e.store.EntityAlerts(ctx, e.scope, id, p1.NextCursor, 2)
		if err != nil || len(p2.Items) != 2 || p2.Items[0].ID != ids[2] {
			t.Fatalf("page 2 = %+v, %v", p2, err)
		}
		p3, err := e.store.EntityAlerts(ctx, e.scope, id, p2.NextCursor, 2)
		if err != nil || len(p3.Items) != 1 || p3.Items[0].ID != ids[0] || p3.NextCursor != "" {
			t.Fatalf("page 3 = %+v, %v", p3, err)
		}
		if _, err := e.store.EntityAlerts(ctx, e.scope, id, "garbage", 2); kindOf(err) != apperr.KindValidation {
			t.Fatalf("bad cursor: %v", err)
		}
		ip, err := e.store.EntityIncidents(ctx, e.scope, id, "", 10)
		if err != nil || len(ip.Items) != 1 || ip.Items[0].ID != inc.ID || ip.WindowTruncated {
			t.Fatalf("incidents = %+v, %v", ip, err)
		}
		hostID := e.entity(alert.EntityHostname, "WEB-01")
		if ip, err := e.store.EntityIncidents(ctx, e.scope, hostID, "", 10); err != nil || len(ip.Items) != 0 {
			t.Fatalf("host incidents = %+v, %v", ip, err)
		}

		// Another org sees none of it.
		other := newEnv(t, d, "Other")
		if _, err := other.store.Summary(ctx, other.scope, id); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org summary: %v", err)
		}
		if _, err := other.store.EntityAlerts(ctx, other.scope, id, "", 10); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org alerts: %v", err)
		}
		if _, err := other.store.ChangeTags(ctx, other.scope, id, investigate.EntityTagChange{Add: []string{"x"}}); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org tags: %v", err)
		}
		if _, err := other.store.EntityGraph(ctx, other.scope, id, investigate.GraphQuery{}); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org graph: %v", err)
		}
	})
}

func TestTagsAndNotes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d, "Acme")
		e.alert("a", "suricata", nat)
		id := e.entity(alert.EntityIP, "203.0.113.7")
		got, err := e.store.ChangeTags(ctx, e.scope, id, investigate.EntityTagChange{Add: []string{" NAT ", "gateway", "nat"}})
		if err != nil || strings.Join(got, ",") != "gateway,nat" {
			t.Fatalf("add tags = %v, %v", got, err)
		}
		got, err = e.store.ChangeTags(ctx, e.scope, id, investigate.EntityTagChange{Remove: []string{"gateway", "absent"}})
		if err != nil || strings.Join(got, ",") != "nat" {
			t.Fatalf("remove tags = %v, %v", got, err)
		}
		_, err = e.store.ChangeTags(ctx, e.scope, id, investigate.EntityTagChange{Add: []string{"ok", " "}})
		fieldErr(t, err, "body.add[1]")
		_, err = e.store.ChangeTags(ctx, e.scope, id, investigate.EntityTagChange{})
		fieldErr(t, err, "body.add")

		n, err := e.store.AddNote(ctx, e.scope, id, investigate.EntityNoteInput{Body: "Carrier-grade NAT of the branch office"})
		if err != nil || n.Author != e.member.Actor() {
			t.Fatalf("add note = %+v, %v", n, err)
		}
		_, err = e.store.AddNote(ctx, e.scope, id, investigate.EntityNoteInput{Body: "  "})
		fieldErr(t, err, "body.body")
		n2, err := e.store.EditNote(ctx, e.scope, id, n.ID, investigate.EntityNoteInput{Body: "NAT of the branch office (ticket 42)"})
		if err != nil || n2.Revisions != 1 || n2.Body != "NAT of the branch office (ticket 42)" {
			t.Fatalf("edit = %+v, %v", n2, err)
		}
		other := identitytest.NewMember(t, d, e.scope.Org(), rbac.RoleAnalyst)
		if _, err := e.store.EditNote(ctx, other.Scope(), id, n.ID, investigate.EntityNoteInput{Body: "mine now"}); kindOf(err) != apperr.KindForbidden {
			t.Fatalf("edit by another member: %v", err)
		}
		revs, err := e.store.NoteRevisions(ctx, e.scope, id, n.ID)
		if err != nil || len(revs) != 1 || revs[0].Body != "Carrier-grade NAT of the branch office" || revs[0].EditedBy != e.member.Actor() {
			t.Fatalf("revisions = %+v, %v", revs, err)
		}
		if _, err := e.store.AddNote(ctx, e.scope, id, investigate.EntityNoteInput{Body: "second"}); err != nil {
			t.Fatal(err)
		}
		np, err := e.store.Notes(ctx, e.scope, id, "", 1)
		if err != nil || len(np.Items) != 1 || np.Items[0].Body != "second" || np.NextCursor == "" {
			t.Fatalf("notes page 1 = %+v, %v", np, err)
		}
		np, err = e.store.Notes(ctx, e.scope, id, np.NextCursor, 1)
		if err != nil || len(np.Items) != 1 || np.Items[0].ID != n.ID || np.NextCursor != "" {
			t.Fatalf("notes page 2 = %+v, %v", np, err)
		}
		s, err := e.store.Summary(ctx, e.scope, id)
		if err != nil || s.Notes != 2 || strings.Join(s.Tags, ",") != "nat" {
			t.Fatalf("summary = %+v, %v", s, err)
		}
		// Audited and emitted, in the org.
		err = d.ReadInOrg(ctx, e.scope, func(ctx context.Context, tx *db.Tx) error {
			var audits, evs int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND target_type = 'entity' AND target_id = $2`,
				e.scope.Org().String(), id.String()).Scan(&audits); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE org_id = $1 AND kind LIKE 'entity.%' AND subject = $2`,
				e.scope.Org().String(), "entity/"+id.String()).Scan(&evs); err != nil {
				return err
			}
			if audits != 5 || evs != 5 {
				return fmt.Errorf("audit entries %d, events %d; want 5 each (2 tag changes, 2 notes, 1 edit)", audits, evs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The other org's member cannot read the notes.
		o := newEnv(t, d, "Other")
		if _, err := o.store.Notes(ctx, o.scope, id, "", 10); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org notes: %v", err)
		}
		if _, err := o.store.NoteRevisions(ctx, o.scope, id, n.ID); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org revisions: %v", err)
		}
	})
}

func TestGraph(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d, "Acme")
		var ids []uuid.UUID
		for i := range 6 {
			ents := []alert.Entity{nat}
			for j := range 4 {
				ents = append(ents, alert.Entity{Type: alert.EntityUser, Value: fmt.Sprintf("u%d-%d", i, j), Role: "actor"})
			}
			ids = append(ids, e.alert(fmt.Sprintf("g%d", i), "suricata", ents...))
		}
		inc, _, err := e.incidents.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: ids[4:]})
		if err != nil {
			t.Fatal(err)
		}
		id := e.entity(alert.EntityIP, nat.Value)
		root := "entity:" + id.String()

		g, err := e.store.EntityGraph(ctx, e.scope, id, investigate.GraphQuery{Depth: 1, Fanout: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Nodes) != 4 || len(g.Edges) != 3 || !g.Truncated || g.Root != root || !g.Nodes[0].Truncated || g.Nodes[0].Cursor == "" {
			t.Fatalf("depth 1 = %+v", g)
		}
		// The entity's cursor pages on through its alerts.
		seen := map[string]bool{}
		for _, n := range g.Nodes[1:] {
			seen[n.ID] = true
		}
		next, err := e.store.EntityNeighbours(ctx, e.scope, id, g.Nodes[0].Cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range next.Nodes[1:] {
			if seen[n.ID] {
				t.Fatalf("neighbours page repeats %s", n.ID)
			}
			seen[n.ID] = true
		}
		if len(seen) != 6 || next.Nodes[0].Truncated {
			t.Fatalf("two pages reached %d alerts (truncated %v), want all 6", len(seen), next.Nodes[0].Truncated)
		}

		// Depth 2: alerts, their incident and their other entities, per-alert
		// fan-out and the node cap.
		g, err = e.store.EntityGraph(ctx, e.scope, id, investigate.GraphQuery{Depth: 2, Fanout: 2, MaxNodes: 500})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, n := range g.Nodes {
			kinds[n.Kind]++
		}
		// root + 2 newest alerts + their incident + 2 users each.
		if kinds["entity"] != 5 || kinds["alert"] != 2 || kinds["incident"] != 1 || !g.Incidents {
			t.Fatalf("depth 2 kinds = %v: %+v", kinds, g.Nodes)
		}
		var alertNode investigate.GraphNode
		for _, n := range g.Nodes {
			if n.Kind == "alert" && n.Ref == ids[5] {
				alertNode = n
			}
		}
		if !alertNode.Truncated || alertNode.Cursor == "" {
			t.Fatalf("alert with 4 users and fan-out 2 is not truncated: %+v", alertNode)
		}
		an, err := e.store.AlertNeighbours(ctx, e.scope, ids[5], alertNode.Cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		// The rest: 2 more users (and the NAT address, whose id may sort
		// anywhere), no incident on a later page.
		users := 0
		for _, n := range an.Nodes {
			if n.EntityType == alert.EntityUser {
				users++
			}
			if n.Kind == "incident" {
				t.Fatalf("incident on a later page: %+v", an.Nodes)
			}
		}
		if users < 2 || an.Nodes[0].Truncated {
			t.Fatalf("alert neighbours = %+v", an.Nodes)
		}
		first, err := e.store.AlertNeighbours(ctx, e.scope, ids[5], "", 10)
		if err != nil || first.Nodes[1].Kind != "incident" || len(first.Nodes) != 2+5 {
			t.Fatalf("alert neighbours first page = %+v, %v", first, err)
		}
		in, err := e.store.IncidentNeighbours(ctx, e.scope, inc.ID, "", 1)
		if err != nil || len(in.Nodes) != 2 || !in.Nodes[0].Truncated {
			t.Fatalf("incident neighbours = %+v, %v", in, err)
		}
		in2, err := e.store.IncidentNeighbours(ctx, e.scope, inc.ID, in.Nodes[0].Cursor, 1)
		if err != nil || len(in2.Nodes) != 2 || in2.Nodes[1].ID == in.Nodes[1].ID || in2.Nodes[0].Truncated {
			t.Fatalf("incident neighbours page 2 = %+v, %v", in2, err)
		}

		// The node cap holds and marks what it cut.
		g, err = e.store.EntityGraph(ctx, e.scope, id, investigate.GraphQuery{Depth: 2, Fanout: 50, MaxNodes: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Nodes) != 10 || !g.Truncated {
			t.Fatalf("capped graph has %d nodes (truncated %v)", len(g.Nodes), g.Truncated)
		}
		cut := 0
		for _, n := range g.Nodes {
			if n.Truncated {
				cut++
			}
		}
		if cut == 0 {
			t.Fatal("capped graph marks no node truncated")
		}
		// Every edge joins nodes of the graph.
		in3 := map[string]bool{}
		for _, n := range g.Nodes {
			in3[n.ID] = true
		}
		for _, ed := range g.Edges {
			if !in3[ed.From] || !in3[ed.To] {
				t.Fatalf("edge %+v leaves the graph", ed)
			}
		}

		// Without incidents:read: no incident nodes.
		e.store.Caller = func(context.Context) (rbac.Set, bool) { return rbac.NewSet(rbac.AlertsRead), true }
		g, err = e.store.EntityGraph(ctx, e.scope, id, investigate.GraphQuery{Depth: 2})
		if err != nil || g.Incidents {
			t.Fatalf("graph without incidents:read = %+v, %v", g, err)
		}
		for _, n := range g.Nodes {
			if n.Kind == "incident" {
				t.Fatalf("incident node without incidents:read: %+v", n)
			}
		}
		s, err := e.store.Summary(ctx, e.scope, id)
		if err != nil || s.Incidents != nil {
			t.Fatalf("summary without incidents:read = %+v, %v", s, err)
		}
	})
}
