package incident_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestTransitions(t *testing.T) {
	S := incident.Statuses
	valid := map[[2]incident.Status]bool{}
	for i, from := range S[:4] { // open statuses: forward only (skips allowed)
		for _, to := range S[i+1:] {
			valid[[2]incident.Status{from, to}] = true
		}
	}
	valid[[2]incident.Status{incident.StatusContained, incident.StatusInvestigating}] = true
	valid[[2]incident.Status{incident.StatusResolved, incident.StatusClosed}] = true
	valid[[2]incident.Status{incident.StatusResolved, incident.StatusInvestigating}] = true
	valid[[2]incident.Status{incident.StatusClosed, incident.StatusInvestigating}] = true
	for _, from := range S {
		for _, to := range S {
			if got, want := incident.CanTransition(from, to), valid[[2]incident.Status{from, to}]; got != want {
				t.Errorf("%s → %s: got %v, want %v", from, to, got, want)
			}
		}
	}
	if incident.CanTransition("bogus", incident.StatusClosed) {
		t.Error("unknown status may transition")
	}
}

func TestLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		s := e.store
		inc, err := s.Create(ctx, e.scope, incident.NewIncident{Title: "Suspicious mail", Type: "phishing", Assignee: &e.member.UserID})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Severity != "medium" || inc.Priority != incident.PriorityP3 || inc.Status != incident.StatusNew || !slices.Contains(inc.Tags, "phishing") {
			t.Fatalf("template not applied: %+v", inc)
		}
		tasks, err := s.Tasks(ctx, e.scope, inc.ID)
		if err != nil || len(tasks) != 5 || tasks[0].Position != 1 || tasks[4].Position != 5 {
			t.Fatalf("template tasks: %v %+v", err, tasks)
		}
		// Resolving needs a disposition; other needs a note.
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusResolved)})
		fieldErr(t, err, "body.disposition")
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusResolved), Disposition: ptr(incident.DispositionOther)})
		fieldErr(t, err, "body.disposition_note")
		// A disposition on an open incident is refused.
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusInvestigating), Disposition: ptr(incident.DispositionFalsePositive)})
		fieldErr(t, err, "body.disposition")
		inc, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusContained)})
		if err != nil || inc.AcknowledgedAt == nil {
			t.Fatalf("contain: %v %+v", err, inc)
		}
		// Going back from contained to acknowledged is not a transition.
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusAcknowledged)})
		fieldErr(t, err, "body.status")
		if apperr.As(err).CodeOrDefault() != "invalid_transition" {
			t.Fatalf("code: %v", apperr.As(err).CodeOrDefault())
		}
		inc, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusResolved), Disposition: ptr(incident.DispositionTruePositive)})
		if err != nil || inc.ResolvedAt == nil || inc.Disposition != incident.DispositionTruePositive {
			t.Fatalf("resolve: %v %+v", err, inc)
		}
		inc, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusClosed)})
		if err != nil || inc.ClosedAt == nil || inc.Disposition != incident.DispositionTruePositive {
			t.Fatalf("close keeps the disposition: %v %+v", err, inc)
		}
		inc, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Status: ptr(incident.StatusInvestigating)})
		if err != nil || inc.Disposition != "" || inc.ResolvedAt != nil || inc.ClosedAt != nil {
			t.Fatalf("reopen: %v %+v", err, inc)
		}
		// Assignee and responders must be members of this org.
		stranger := identitytest.NewUser(t, d)
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Assignee: ptr(stranger.UserID.String())})
		fieldErr(t, err, "body.assignee")
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Responders: &[]uuid.UUID{e.member.UserID, stranger.UserID}})
		fieldErr(t, err, "body.responders[1]")
		other := identitytest.NewOrg(t, d, "Other")
		outsider := identitytest.NewMember(t, d, other, rbac.RoleOwner)
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{Assignee: ptr(outsider.UserID.String())})
		fieldErr(t, err, "body.assignee")
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{ManualTactics: &[]string{"initial-access", "bogus"}, ManualTechniques: &[]string{"T1566"}})
		fieldErr(t, err, "body.manual_tactics[1]")
		inc, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{ManualTactics: &[]string{"initial-access"}, ManualTechniques: &[]string{"T1566"}})
		if err != nil || !slices.Equal(inc.Tactics, []string{"initial-access"}) || !slices.Equal(inc.Techniques, []string{"T1566"}) {
			t.Fatalf("manual attack: %v %+v", err, inc)
		}
		// The state-change log holds every step, in order.
		log, _, err := s.Timeline(ctx, e.scope, inc.ID, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, l := range log {
			if l.Kind == "status" || l.Kind == "reopened" || l.Kind == "created" {
				statuses = append(statuses, l.Kind+":"+l.To)
			}
		}
		want := []string{"created:new", "status:contained", "status:resolved", "status:closed", "reopened:investigating"}
		if !slices.Equal(statuses, want) {
			t.Fatalf("log statuses %v, want %v", statuses, want)
		}
		// Each change was emitted as a versioned event, in its transaction.
		evs, err := events.Since(ctx, d, e.scope, 0, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[events.Kind]int{}
		for _, ev := range evs {
			if !strings.HasPrefix(string(ev.Kind), "incident.") {
				continue // member.added of the test's members
			}
			kinds[ev.Kind]++
			if ev.Subject != "incident/"+inc.ID.String() {
				t.Fatalf("event subject %q", ev.Subject)
			}
		}
		if kinds[incident.EventCreated.Kind()] != 1 || kinds[incident.EventUpdated.Kind()] != 5 {
			t.Fatalf("events: %v", kinds)
		}
		// Another org cannot see it.
		if _, err := s.Get(ctx, outsider.Scope(), inc.ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("cross-org get: %v", err)
		}
		if d.Dialect == db.Postgres {
			// The log is insert-only for the application role.
			err := d.InOrg(ctx, e.scope, func(ctx context.Context, tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE incident_log SET kind = 'forged' WHERE org_id = $1`, e.org.String())
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("log update: %v", err)
			}
		}
	})
}

func TestCustomFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		s := e.store
		for _, in := range []incident.FieldDefInput{
			{Key: "impact", Label: "Impact", Kind: incident.FieldSelect, Options: []string{"low", "high"}, Required: true},
			{Key: "systems", Label: "Systems", Kind: incident.FieldMultiSelect, Options: []string{"mail", "vpn", "erp"}},
			{Key: "loss", Label: "Loss", Kind: incident.FieldNumber},
			{Key: "found", Label: "Found", Kind: incident.FieldDate},
			{Key: "owner", Label: "Owner", Kind: incident.FieldUser},
			{Key: "ticket", Label: "Ticket", Kind: incident.FieldText},
		} {
			if _, err := s.CreateFieldDef(ctx, e.scope, in); err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.CreateFieldDef(ctx, e.scope, incident.FieldDefInput{Key: "bad", Label: "Bad", Kind: incident.FieldSelect})
		fieldErr(t, err, "body.options")
		if _, err := s.CreateFieldDef(ctx, e.scope, incident.FieldDefInput{Key: "impact", Label: "Again", Kind: incident.FieldText}); kindOf(err) != apperr.KindConflict {
			t.Fatalf("duplicate key: %v", err)
		}
		_, err = s.Create(ctx, e.scope, incident.NewIncident{Title: "x"})
		fieldErr(t, err, "body.custom_fields.impact")
		raw := func(v string) incident.FieldValue { return json.RawMessage(v) }
		_, err = s.Create(ctx, e.scope, incident.NewIncident{Title: "x", CustomFields: map[string]incident.FieldValue{
			"impact": raw(`"medium"`), "systems": raw(`["mail","mail"]`), "loss": raw(`"many"`), "found": raw(`"27/11/2026"`),
			"owner": raw(`"` + uuid.NewString() + `"`), "nope": raw(`1`),
		}})
		for _, loc := range []string{"impact", "systems", "loss", "found", "owner", "nope"} {
			fieldErr(t, err, "body.custom_fields."+loc)
		}
		inc, err := s.Create(ctx, e.scope, incident.NewIncident{Title: "x", CustomFields: map[string]incident.FieldValue{
			"impact": raw(`"high"`), "systems": raw(`["mail", "vpn"]`), "loss": raw(`1250.5`), "found": raw(`"2026-11-27"`),
			"owner": raw(`"` + e.member.UserID.String() + `"`), "ticket": raw(`"INC-1"`),
		}})
		if err != nil || string(inc.CustomFields["systems"]) != `["mail","vpn"]` {
			t.Fatalf("create with fields: %v %+v", err, inc)
		}
		// A required field cannot be removed; null removes others.
		_, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{CustomFields: map[string]incident.FieldValue{"impact": raw(`null`)}})
		fieldErr(t, err, "body.custom_fields.impact")
		inc, err = s.Update(ctx, e.scope, inc.ID, incident.ChangeSet{CustomFields: map[string]incident.FieldValue{"ticket": raw(`null`)}})
		if _, has := inc.CustomFields["ticket"]; err != nil || has {
			t.Fatalf("remove field: %v %+v", err, inc.CustomFields)
		}
		// The list filters by custom field (equal, or contained for multi_select).
		for _, f := range [][2]string{{"impact", "high"}, {"systems", "vpn"}, {"loss", "1250.5"}} {
			got, _, err := s.List(ctx, e.scope, incident.Query{FieldKey: f[0], FieldValue: f[1]}, "", 10)
			if err != nil || len(got) != 1 || got[0].ID != inc.ID {
				t.Fatalf("field filter %v: %v %d", f, err, len(got))
			}
		}
		if got, _, _ := s.List(ctx, e.scope, incident.Query{FieldKey: "systems", FieldValue: "erp"}, "", 10); len(got) != 0 {
			t.Fatalf("field filter erp: %d", len(got))
		}
		defs, _ := s.FieldDefs(ctx, e.scope)
		for _, def := range defs {
			if def.Key == "systems" {
				if err := s.DeleteFieldDef(ctx, e.scope, def.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, _ := s.Get(ctx, e.scope, inc.ID)
		if _, has := got.CustomFields["systems"]; has {
			t.Fatalf("deleted field's value stayed: %+v", got.CustomFields)
		}
	})
}

func TestEscalateLinkAndSplit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		s := e.store
		host := alert.Entity{Type: alert.EntityHostname, Value: "ws-7", Role: "host"}
		a1 := e.alert("Phishing link clicked", []string{"initial-access"}, host)
		a2 := e.alert("Credential dumping", []string{"credential-access"}, host)
		a3 := e.alert("Remote service", []string{"lateral-movement"})
		_, _, err := s.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{a1, uuid.New()}})
		fieldErr(t, err, "body.alert_ids[1]")
		inc, created, err := s.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{a1, a2}})
		if err != nil || !created || inc.AlertCount != 2 || inc.Title != "Phishing link clicked (+1 more)" || inc.Severity != "high" {
			t.Fatalf("escalate: %v %v %+v", err, created, inc)
		}
		if !slices.Equal(inc.Tactics, []string{"credential-access", "initial-access"}) {
			t.Fatalf("aggregated tactics: %v", inc.Tactics)
		}
		// An alert is in at most one incident.
		_, _, err = s.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{a2, a3}})
		if apperr.As(err).CodeOrDefault() != "alert_in_incident" {
			t.Fatalf("second incident for a linked alert: %v", err)
		}
		inc, created, err = s.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{a2, a3}, IncidentID: &inc.ID})
		if err != nil || created || inc.AlertCount != 3 {
			t.Fatalf("escalate into existing: %v %v %+v", err, created, inc)
		}
		if id, err := s.IncidentOf(ctx, e.scope, a3); err != nil || id != inc.ID {
			t.Fatalf("incident of alert: %v %v", id, err)
		}
		linked, _, err := s.LinkedAlerts(ctx, e.scope, inc.ID, nil, 10)
		if err != nil || len(linked) != 3 || linked[0].Provenance.Via != "escalate" || len(linked[0].Entities) != 1 {
			t.Fatalf("linked: %v %+v", err, linked)
		}
		// Split a3 off: it moves with provenance; the ATT&CK aggregate follows.
		nw, err := s.Split(ctx, e.scope, inc.ID, incident.SplitInput{AlertIDs: []uuid.UUID{a3}})
		if err != nil || nw.AlertCount != 1 || !slices.Equal(nw.Tactics, []string{"lateral-movement"}) {
			t.Fatalf("split: %v %+v", err, nw)
		}
		_, err = s.Split(ctx, e.scope, inc.ID, incident.SplitInput{AlertIDs: []uuid.UUID{a3}})
		fieldErr(t, err, "body.alert_ids[0]")
		orig, _ := s.Get(ctx, e.scope, inc.ID)
		if orig.AlertCount != 2 || slices.Contains(orig.Tactics, "lateral-movement") {
			t.Fatalf("after split: %+v", orig)
		}
		moved, _, _ := s.LinkedAlerts(ctx, e.scope, nw.ID, nil, 10)
		if len(moved) != 1 || moved[0].Provenance.Via != "split" || *moved[0].Provenance.From != inc.ID {
			t.Fatalf("split provenance: %+v", moved)
		}
		// Detach.
		orig, err = s.UnlinkAlert(ctx, e.scope, inc.ID, a2)
		if err != nil || orig.AlertCount != 1 || !slices.Equal(orig.Tactics, []string{"initial-access"}) {
			t.Fatalf("unlink: %v %+v", err, orig)
		}
		if _, err := s.UnlinkAlert(ctx, e.scope, inc.ID, a2); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("unlink twice: %v", err)
		}
		// Alerts of another org are unknown.
		other := identitytest.NewMember(t, d, identitytest.NewOrg(t, d, "Other"), rbac.RoleOwner)
		_, _, err = s.Escalate(ctx, other.Scope(), incident.EscalateInput{AlertIDs: []uuid.UUID{a2}})
		fieldErr(t, err, "body.alert_ids[0]")
		// Closed incidents take no alerts until reopened.
		if _, err := s.Update(ctx, e.scope, nw.ID, incident.ChangeSet{Status: ptr(incident.StatusClosed), Disposition: ptr(incident.DispositionFalsePositive)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LinkAlerts(ctx, e.scope, nw.ID, []uuid.UUID{a2}); apperr.As(err).CodeOrDefault() != "incident_closed" {
			t.Fatalf("link to closed: %v", err)
		}
	})
}

func TestMerge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		s := e.store
		surv, _, err := s.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{e.alert("a", []string{"execution"})}})
		if err != nil {
			t.Fatal(err)
		}
		src, _, err := s.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{e.alert("b", []string{"impact"}), e.alert("c", nil)}, Type: "ransomware"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddNote(ctx, e.scope, src.ID, incident.NoteInput{Body: "seen on ws-7"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTask(ctx, e.scope, surv.ID, incident.TaskInput{Title: "own task"}); err != nil {
			t.Fatal(err)
		}
		srcLog, _, _ := s.Timeline(ctx, e.scope, src.ID, nil, 500)
		_, err = s.Merge(ctx, e.scope, surv.ID, []uuid.UUID{surv.ID})
		fieldErr(t, err, "body.incident_ids[0]")
		res, err := s.Merge(ctx, e.scope, surv.ID, []uuid.UUID{src.ID})
		if err != nil {
			t.Fatal(err)
		}
		if res.Survivor.AlertCount != 3 || res.Survivor.Severity != "critical" || !slices.Contains(res.Survivor.Tactics, "impact") ||
			!slices.Contains(res.Survivor.Tags, "ransomware") || len(res.Merged) != 1 || res.Merged[0].Tasks != 7 || res.Merged[0].Notes != 1 {
			t.Fatalf("merge result: %+v %+v", res.Survivor, res.Merged)
		}
		gone, _ := s.Get(ctx, e.scope, src.ID)
		if gone.Status != incident.StatusClosed || gone.Disposition != incident.DispositionDuplicate || *gone.MergedInto != surv.ID || gone.AlertCount != 0 {
			t.Fatalf("source after merge: %+v", gone)
		}
		// Nothing is duplicated: tasks, notes and alerts exist once, on the survivor.
		tasks, _ := s.Tasks(ctx, e.scope, surv.ID)
		if len(tasks) != 8 || tasks[0].Title != "own task" || tasks[1].MovedFrom == nil || *tasks[1].MovedFrom != src.ID || tasks[7].Position != 8 {
			t.Fatalf("survivor tasks: %+v", tasks)
		}
		if left, _ := s.Tasks(ctx, e.scope, src.ID); len(left) != 0 {
			t.Fatalf("tasks left on source: %d", len(left))
		}
		notes, _ := s.Notes(ctx, e.scope, surv.ID)
		if len(notes) != 1 || *notes[0].MovedFrom != src.ID {
			t.Fatalf("survivor notes: %+v", notes)
		}
		linked, _, _ := s.LinkedAlerts(ctx, e.scope, surv.ID, nil, 10)
		via := 0
		for _, l := range linked {
			if l.Provenance.Via == "merge" && *l.Provenance.From == src.ID {
				via++
			}
		}
		if len(linked) != 3 || via != 2 {
			t.Fatalf("survivor alerts: %+v", linked)
		}
		// The source's history shows on the survivor's timeline.
		tl, _, _ := s.Timeline(ctx, e.scope, surv.ID, nil, 500)
		fromSrc := 0
		for _, l := range tl {
			if l.IncidentID == src.ID {
				fromSrc++
			}
		}
		if fromSrc < len(srcLog) {
			t.Fatalf("survivor timeline shows %d of the source's %d entries", fromSrc, len(srcLog))
		}
		if _, err := s.Merge(ctx, e.scope, surv.ID, []uuid.UUID{src.ID}); apperr.As(err).CodeOrDefault() != "incident_merged" {
			t.Fatalf("merge twice: %v", err)
		}
	})
}

func TestNotesMentionsAndInbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		s := e.store
		peer := identitytest.NewMember(t, d, e.org, rbac.RoleResponder)
		inc, err := s.Create(ctx, e.scope, incident.NewIncident{Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AddNote(ctx, e.scope, inc.ID, incident.NoteInput{Body: "ask <@" + uuid.NewString() + ">"})
		fieldErr(t, err, "body.body")
		n, err := s.AddNote(ctx, e.scope, inc.ID, incident.NoteInput{Body: "please check <@" + peer.UserID.String() + ">"})
		if err != nil || len(n.Mentions) != 1 {
			t.Fatalf("note: %v %+v", err, n)
		}
		items, _, unread, err := s.Notifications(ctx, peer.Scope(), false, nil, 10)
		if err != nil || unread != 1 || len(items) != 1 || items[0].Kind != "mention" || *items[0].IncidentID != inc.ID {
			t.Fatalf("inbox: %v %d %+v", err, unread, items)
		}
		if mine, _, _, _ := s.Notifications(ctx, e.scope, false, nil, 10); len(mine) != 0 {
			t.Fatalf("author's inbox: %+v", mine)
		}
		// Only the author edits; edits keep history; re-mentioning does not notify again.
		if _, err := s.EditNote(ctx, peer.Scope(), inc.ID, n.ID, incident.NoteInput{Body: "mine now"}); kindOf(err) != apperr.KindForbidden {
			t.Fatalf("non-author edit: %v", err)
		}
		n, err = s.EditNote(ctx, e.scope, inc.ID, n.ID, incident.NoteInput{Body: "please check <@" + peer.UserID.String() + "> today"})
		if err != nil || n.Revisions != 1 {
			t.Fatalf("edit: %v %+v", err, n)
		}
		revs, err := s.NoteRevisions(ctx, e.scope, inc.ID, n.ID)
		if err != nil || len(revs) != 1 || !strings.HasPrefix(revs[0].Body, "please check") || strings.HasSuffix(revs[0].Body, "today") {
			t.Fatalf("revisions: %v %+v", err, revs)
		}
		if err := s.MarkRead(ctx, peer.Scope(), items[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRead(ctx, e.scope, items[0].ID); !apperr.Is(err, apperr.KindNotFound) {
			t.Fatalf("marking another user's notification: %v", err)
		}
		if _, _, unread, _ := s.Notifications(ctx, peer.Scope(), false, nil, 10); unread != 0 {
			t.Fatalf("unread after mark: %d", unread)
		}
	})
}

func TestListAndBulk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		s := e.store
		var ids []uuid.UUID
		for i := range 23 {
			in := incident.NewIncident{Title: "inc", Severity: incident.SeverityNames[i%5], Tags: []string{[]string{"vip", "lab"}[i%2]}}
			if i%3 == 0 {
				in.Assignee = &e.member.UserID
			}
			inc, err := s.Create(ctx, e.scope, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inc.ID)
		}
		for _, sort := range []string{incident.SortCreated, incident.SortUpdated, incident.SortSeverity} {
			for _, asc := range []bool{false, true} {
				seen := map[uuid.UUID]bool{}
				cur := ""
				var prev *incident.Incident
				for {
					page, next, err := s.List(ctx, e.scope, incident.Query{Sort: sort, Ascending: asc}, cur, 5)
					if err != nil {
						t.Fatal(err)
					}
					for i := range page {
						if seen[page[i].ID] {
							t.Fatalf("%s: duplicate across pages", sort)
						}
						seen[page[i].ID] = true
						if sort == incident.SortSeverity && prev != nil {
							a, _ := incident.ParseSeverity(prev.Severity)
							b, _ := incident.ParseSeverity(page[i].Severity)
							if (asc && b < a) || (!asc && b > a) {
								t.Fatalf("severity order: %s then %s", prev.Severity, page[i].Severity)
							}
						}
						prev = &page[i]
					}
					if next == "" {
						break
					}
					cur = next
				}
				if len(seen) != 23 {
					t.Fatalf("%s asc=%v: %d of 23", sort, asc, len(seen))
				}
			}
		}
		count := func(q incident.Query) int {
			got, _, err := s.List(ctx, e.scope, q, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(got)
		}
		high, _ := incident.ParseSeverity("high")
		if n := count(incident.Query{Severities: []alert.Severity{high}}); n != 4 {
			t.Fatalf("severity filter: %d", n)
		}
		if n := count(incident.Query{Assignee: e.member.UserID.String()}); n != 8 {
			t.Fatalf("assignee filter: %d", n)
		}
		if n := count(incident.Query{Assignee: "none", Tag: "vip"}); n != 8 {
			t.Fatalf("unassigned vip: %d", n)
		}
		// Bulk: all or none.
		_, err := s.BulkUpdate(ctx, e.scope, []uuid.UUID{ids[0], uuid.New()}, incident.ChangeSet{Status: ptr(incident.StatusAcknowledged)})
		fieldErr(t, err, "body.ids")
		if n := count(incident.Query{Statuses: []incident.Status{incident.StatusAcknowledged}}); n != 0 {
			t.Fatalf("a failed bulk changed %d", n)
		}
		n, err := s.BulkUpdate(ctx, e.scope, ids[:10], incident.ChangeSet{Status: ptr(incident.StatusAcknowledged), AddTags: []string{"triaged"}})
		if err != nil || n != 10 || count(incident.Query{Statuses: []incident.Status{incident.StatusAcknowledged}, Tag: "triaged"}) != 10 {
			t.Fatalf("bulk: %v %d", err, n)
		}
		// An invalid transition for one fails all.
		_, err = s.BulkUpdate(ctx, e.scope, ids[8:12], incident.ChangeSet{Status: ptr(incident.StatusNew)})
		fieldErr(t, err, "body.change.status")
	})
}

// Two analysts escalating the same alert at once: one incident gets it,
// the other request is refused (PostgreSQL, real concurrency).
func TestConcurrentEscalation(t *testing.T) {
	d := testdb.Open(t, db.Postgres)
	ctx := context.Background()
	e := newEnv(t, d)
	a := e.alert("contested", nil)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = e.store.Escalate(ctx, e.scope, incident.EscalateInput{AlertIDs: []uuid.UUID{a}})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.As(err).CodeOrDefault() != "alert_in_incident":
			t.Fatalf("unexpected error: %v", err)
		}
	}
	got, _, _ := e.store.List(ctx, e.scope, incident.Query{Alert: &a}, "", 10)
	if ok != 1 || len(got) != 1 {
		t.Fatalf("%d escalations succeeded, %d incidents hold the alert", ok, len(got))
	}
}
