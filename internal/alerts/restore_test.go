package alerts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

type priorBody struct {
	Updated  int `json:"updated"`
	Previous []struct {
		ID       string   `json:"id"`
		Assignee string   `json:"assignee"`
		Tags     []string `json:"tags"`
	} `json:"previous"`
}

type listed struct {
	Items []struct {
		ID       string   `json:"id"`
		Assignee *string  `json:"assignee"`
		Tags     []string `json:"tags"`
	} `json:"items"`
}

// Undo of a bulk change: the bulk operations (by ids and by filter) answer
// each changed alert's assignee and tags from before, and restore-alerts
// puts exactly those back in one transaction; an unknown (or another
// org's) alert refuses the whole restore naming the item.
func TestBulkChangeUndo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := identitytest.NewPlatform(t, d)
		register(t, p)
		srv := httptest.NewServer(p.Server.Handler())
		t.Cleanup(srv.Close)
		orgA := identitytest.NewOrg(t, d, "Undo A")
		orgB := identitytest.NewOrg(t, d, "Undo B")
		ann := identitytest.NewMember(t, d, orgA, rbac.RoleAnalyst)
		bob := identitytest.NewMember(t, d, orgA, rbac.RoleAnalyst)
		an := client{t, srv.URL, ann.Apply}
		other := client{t, srv.URL, identitytest.NewAPIKey(t, d, orgB, rbac.AlertsRead, rbac.AlertsWrite).Apply}
		ing := client{t, srv.URL, identitytest.NewAPIKey(t, d, orgA, rbac.AlertsIngest).Apply}
		var lines []string
		for i := range 3 {
			lines = append(lines, fmt.Sprintf(`{"title":"Undo %d","rule_id":"U%d","severity":"high"}`, i, i))
		}
		if st, b := ing.do("POST", "/api/v1/alerts/batch", strings.Join(lines, "\n")+"\n", map[string]string{"Content-Type": "application/x-ndjson"}); st != http.StatusOK {
			t.Fatalf("seed: %d %s", st, b)
		}
		list := func() listed {
			t.Helper()
			st, b := an.do("GET", "/api/v1/alerts?sort=received_time&order=asc", "", nil)
			var l listed
			if err := json.Unmarshal(b, &l); err != nil || st != http.StatusOK || len(l.Items) != 3 {
				t.Fatalf("list: %d %s", st, b)
			}
			slices.SortFunc(l.Items, func(a, b struct {
				ID       string   `json:"id"`
				Assignee *string  `json:"assignee"`
				Tags     []string `json:"tags"`
			}) int {
				return strings.Compare(a.ID, b.ID)
			})
			return l
		}
		ids := []string{}
		for _, a := range list().Items {
			ids = append(ids, a.ID)
		}
		// A starting state that differs per alert: one assigned to Bob and tagged.
		if st, b := an.do("PATCH", "/api/v1/alerts/"+ids[0], fmt.Sprintf(`{"assignee":%q,"add_tags":["keep"]}`, bob.UserID), nil); st != http.StatusOK {
			t.Fatalf("setup: %d %s", st, b)
		}
		before := list()

		// Bulk by ids: assign all to Ann and tag them.
		idsJSON, _ := json.Marshal(ids)
		st, b := an.do("POST", "/api/v1/alerts/bulk-update", fmt.Sprintf(`{"ids":%s,"change":{"assignee":%q,"add_tags":["campaign"]}}`, idsJSON, ann.UserID), nil)
		var pb priorBody
		if err := json.Unmarshal(b, &pb); err != nil || st != http.StatusOK || pb.Updated != 3 || len(pb.Previous) != 3 {
			t.Fatalf("bulk: %d %s", st, b)
		}
		for _, pr := range pb.Previous {
			if pr.ID == ids[0] && (pr.Assignee != bob.UserID.String() || !slices.Equal(pr.Tags, []string{"keep"})) {
				t.Fatalf("prior of the assigned alert: %+v", pr)
			}
			if pr.ID != ids[0] && (pr.Assignee != "" || len(pr.Tags) != 0) {
				t.Fatalf("prior of an untouched alert: %+v", pr)
			}
		}
		for _, a := range list().Items {
			if a.Assignee == nil || *a.Assignee != ann.UserID.String() || !slices.Contains(a.Tags, "campaign") {
				t.Fatalf("after bulk: %+v", a)
			}
		}
		undo := func(c client, prev priorBody) (int, []byte) {
			items := []map[string]any{}
			for _, pr := range prev.Previous {
				items = append(items, map[string]any{"id": pr.ID, "assignee": pr.Assignee, "tags": pr.Tags})
			}
			body, _ := json.Marshal(map[string]any{"items": items})
			return c.do("POST", "/api/v1/alerts/restore", string(body), nil)
		}
		// Another org cannot restore (or learn about) org A's alerts.
		if st, b := undo(other, pb); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.items[") {
			t.Fatalf("restore from org B: %d %s", st, b)
		}
		if st, b := undo(an, pb); st != http.StatusOK || !strings.Contains(string(b), `"restored":3`) {
			t.Fatalf("restore: %d %s", st, b)
		}
		after := list()
		for i := range before.Items {
			x, y := before.Items[i], after.Items[i]
			if (x.Assignee == nil) != (y.Assignee == nil) || (x.Assignee != nil && *x.Assignee != *y.Assignee) || !slices.Equal(x.Tags, y.Tags) {
				t.Fatalf("undo did not restore %s: before %+v after %+v", x.ID, x, y)
			}
		}

		// Bulk by filter answers its priors too.
		st, b = an.do("POST", "/api/v1/alerts/matching/bulk-update?severity=high", `{"change":{"add_tags":["by-filter"]},"expected_count":3}`, nil)
		pb = priorBody{}
		if err := json.Unmarshal(b, &pb); err != nil || st != http.StatusOK || len(pb.Previous) != 3 {
			t.Fatalf("bulk by filter: %d %s", st, b)
		}
		if st, b := undo(an, pb); st != http.StatusOK {
			t.Fatalf("restore by filter: %d %s", st, b)
		}
		for _, a := range list().Items {
			if slices.Contains(a.Tags, "by-filter") {
				t.Fatalf("tag left after undo: %+v", a)
			}
		}

		// Bad input names the field; nothing changes.
		for body, field := range map[string]string{
			`{"items":[]}`: "body.items",
			fmt.Sprintf(`{"items":[{"id":%q}]}`, ids[0]):                                                 "body.items[0]",
			fmt.Sprintf(`{"items":[{"id":%q,"assignee":"nope"}]}`, ids[0]):                               "body.items[0].assignee",
			fmt.Sprintf(`{"items":[{"id":%q,"tags":[]},{"id":%q,"tags":[]}]}`, ids[1], ids[1]):           "body.items[1].id",
			fmt.Sprintf(`{"items":[{"id":%q,"tags":[]},{"id":%q,"tags":[]}]}`, ids[1], uuid.NewString()): "body.items[1].id",
		} {
			if st, b := an.do("POST", "/api/v1/alerts/restore", body, nil); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), field) {
				t.Errorf("%s: want 422 naming %s, got %d %s", body, field, st, b)
			}
		}
		for _, a := range list().Items {
			if a.ID == ids[1] && len(a.Tags) != 0 {
				t.Fatalf("a refused restore changed %s: %+v", a.ID, a)
			}
		}
	})
}
