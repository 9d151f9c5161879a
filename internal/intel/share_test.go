package intel

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// fakeIncidents answers an incident's alerts from a map (the incident
// module is not built in this package's tests).
type fakeIncidents map[uuid.UUID][]IncidentAlert

func (f fakeIncidents) IncidentAlerts(_ context.Context, _ tenant.Scope, id uuid.UUID) ([]IncidentAlert, error) {
	a, ok := f[id]
	if !ok {
		return nil, apperr.NotFound("incident")
	}
	return a, nil
}

// sharingServer boots the real HTTP API (identity guard included) with the
// sharing operations.
func sharingServer(t *testing.T, d *db.DB, s *Store, inc Incidents) string {
	t.Helper()
	p := identitytest.NewPlatform(t, d)
	(&SharingAPI{Store: s, Incidents: inc}).Register(p.Server.API)
	srv := httptest.NewServer(p.Server.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func taxiiGet(t *testing.T, url, token, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// TestTAXIIServerSync runs the project's TAXII client against the TAXII
// server: the first run pulls every shareable indicator of the producing
// org (never TLP:RED, TLP:AMBER+STRICT, context-only values, JA3, or
// another org's), the second only what was added since, a deletion comes
// through as a revoked version; another org's key never reaches the
// collection.
func TestTAXIIServerSync(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		producer := &Store{DB: d, Keyring: testKeyring}
		url := sharingServer(t, d, producer, nil)
		orgA, orgB := identitytest.NewOrg(t, d, "Producer"), identitytest.NewOrg(t, d, "Other")
		keyA := identitytest.NewAPIKey(t, d, orgA, rbac.IntelRead)
		keyB := identitytest.NewAPIKey(t, d, orgB, rbac.IntelRead)
		noPerm := identitytest.NewAPIKey(t, d, orgA, rbac.AlertsRead)
		scopeA, scopeB := identitytest.Scope(orgA, "user:test"), identitytest.Scope(orgB, "user:test")
		if _, err := producer.Import(ctx, scopeA, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.10", Detect: true, TLP: "green", Attack: []string{"T1071"}},
			{Type: TypeDomain, Value: "c2.bad-domain.net", Detect: true, TLP: "amber"},
			{Type: TypeIPv4, Value: "203.0.113.11", Detect: true, TLP: "red"},
			{Type: TypeIPv4, Value: "203.0.113.12", Detect: true, TLP: "amber+strict"},
			{Type: TypeIPv4, Value: "203.0.113.13", Detect: false, TLP: "green"},
			{Type: TypeJA3, Value: "e7d705a3286e19ea42f587b344ee6865", Detect: true, TLP: "green"},
		}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := producer.Import(ctx, scopeB, nil, []Indicator{{Type: TypeIPv4, Value: "203.0.113.99", Detect: true, TLP: "clear"}}, nil); err != nil {
			t.Fatal(err)
		}

		// Discovery, media type, authentication and permission.
		res, body := taxiiGet(t, url+TAXIIPath, keyA.Token, TAXIIMediaType)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != TAXIIMediaType || !strings.Contains(string(body), TAXIIRootPath) {
			t.Fatalf("discovery: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		if res, _ := taxiiGet(t, url+TAXIIPath, "", TAXIIMediaType); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous discovery: %d", res.StatusCode)
		}
		if res, _ := taxiiGet(t, url+TAXIIPath, noPerm.Token, TAXIIMediaType); res.StatusCode != http.StatusForbidden {
			t.Fatalf("discovery without intel:read: %d", res.StatusCode)
		}
		if res, _ := taxiiGet(t, url+TAXIIPath, keyA.Token, "application/xml"); res.StatusCode != http.StatusNotAcceptable {
			t.Fatalf("Accept: application/xml: %d", res.StatusCode)
		}
		if res, _ := taxiiGet(t, url+TAXIIPath+"nothing/here/", keyA.Token, ""); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a path under discovery: %d", res.StatusCode)
		}
		coll := CollectionID(orgA)
		objects := url + TAXIIRootPath + "collections/" + coll + "/objects/"
		if res, _ := taxiiGet(t, objects, keyB.Token, ""); res.StatusCode != http.StatusNotFound {
			t.Fatalf("org B reading org A's collection: %d", res.StatusCode)
		}
		res, body = taxiiGet(t, url+TAXIIRootPath+"collections/", keyB.Token, "")
		if res.StatusCode != http.StatusOK || strings.Contains(string(body), coll) || !strings.Contains(string(body), CollectionID(orgB)) {
			t.Fatalf("org B's collections: %s", body)
		}
		res, body = taxiiGet(t, objects+"?limit=1", keyA.Token, "")
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(body, &env); err != nil || res.StatusCode != http.StatusOK || !env.More || env.Next == "" || len(env.Objects) != 1 ||
			res.Header.Get(headerDateAddedFirst) == "" || res.Header.Get(headerDateAddedLast) == "" {
			t.Fatalf("first page: %d %s %v", res.StatusCode, body, res.Header)
		}
		if _, body := taxiiGet(t, objects+"?match[type]=malware", keyA.Token, ""); strings.Contains(string(body), "indicator--") {
			t.Fatalf("match[type]=malware: %s", body)
		}
		if res, _ := taxiiGet(t, objects+"?next=bogus", keyA.Token, ""); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad next: %d", res.StatusCode)
		}

		// The consumer: another org pulling with org A's key.
		consumer := &Store{DB: d, Keyring: testKeyring}
		orgC := identitytest.NewOrg(t, d, "Consumer")
		scopeC := identitytest.Scope(orgC, "user:test")
		feed, err := consumer.CreateFeed(ctx, scopeC, FeedInput{Name: "partner", Kind: FeedTAXII, URL: url + TAXIIPath,
			Credentials: &Credentials{Auth: AuthBearer, Token: keyA.Token}})
		if err != nil {
			t.Fatal(err)
		}
		r := &Refresher{Store: consumer, HTTP: testEgress(t, true), PageSize: 1}
		run, err := r.Refresh(ctx, &orgC, feed.ID)
		if err != nil || run.Status != "ok" || run.Fetched != 2 || run.Created != 2 {
			t.Fatalf("first sync: %+v, %v", run, err)
		}
		got, _, err := consumer.List(ctx, scopeC, Query{}, nil, 50)
		if err != nil {
			t.Fatal(err)
		}
		values := []string{}
		for _, ind := range got {
			values = append(values, ind.Value+"/"+ind.TLP)
		}
		slices.Sort(values)
		if !slices.Equal(values, []string{"203.0.113.10/green", "c2.bad-domain.net/amber"}) {
			t.Fatalf("pulled %v", values)
		}
		for _, ind := range got {
			if ind.Value == "203.0.113.10" && !slices.Equal(ind.Attack, []string{"T1071"}) {
				t.Fatalf("ATT&CK lost: %+v", ind)
			}
		}

		// Refreshing an unchanged indicator shares nothing new; a new one
		// is all the second run fetches.
		time.Sleep(2 * time.Millisecond)
		if _, err := producer.Import(ctx, scopeA, nil, []Indicator{
			{Type: TypeIPv4, Value: "203.0.113.10", Detect: true, TLP: "green", Attack: []string{"T1071"}},
			{Type: TypeURL, Value: "http://c2.bad-domain.net/gate.php", Detect: true, TLP: "green"},
		}, nil); err != nil {
			t.Fatal(err)
		}
		run, err = r.Refresh(ctx, &orgC, feed.ID)
		if err != nil || run.Fetched != 1 || run.Created != 1 || run.Updated != 0 {
			t.Fatalf("second sync: %+v, %v", run, err)
		}
		if run, err = r.Refresh(ctx, &orgC, feed.ID); err != nil || run.Fetched != 0 {
			t.Fatalf("third sync: %+v, %v", run, err)
		}

		// A deleted indicator is served again, revoked.
		list, _, _ := producer.List(ctx, scopeA, Query{Type: TypeDomain}, nil, 10)
		if len(list) != 1 {
			t.Fatalf("domain: %v", list)
		}
		time.Sleep(2 * time.Millisecond)
		if err := producer.Delete(ctx, scopeA, list[0].ID); err != nil {
			t.Fatal(err)
		}
		_, body = taxiiGet(t, objects+"?match[id]="+STIXIndicatorID(list[0].ID), keyA.Token, "")
		if !strings.Contains(string(body), `"revoked":true`) {
			t.Fatalf("deleted indicator: %s", body)
		}
	})
}

// TestExportIncident exports the indicators an incident's alerts matched
// as a STIX bundle that imports back, without TLP:RED, with observables
// on request.
func TestExportIncident(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org := identitytest.NewOrg(t, d, "Exporter")
		scope := identitytest.Scope(org, "user:test")
		key := identitytest.NewAPIKey(t, d, org, rbac.IntelRead)
		if _, err := e.store.Import(ctx, scope, nil, []Indicator{
			{Type: TypeIPv4, Value: "198.51.100.7", Detect: true, TLP: "amber", Confidence: 80, Tags: []string{"c2"}},
			{Type: TypeIPv4, Value: "198.51.100.8", Detect: true, TLP: "red"},
			{Type: TypeIPv4, Value: "198.51.100.9", Detect: true, TLP: "green"}, // matches no alert of the incident
		}, nil); err != nil {
			t.Fatal(err)
		}
		a1 := e.ingest(t, scope, `{"title":"one","src_ip":"198.51.100.7","host":"ws-1"}`)
		a2 := e.ingest(t, scope, `{"title":"two","src_ip":"198.51.100.8"}`)
		e.ingest(t, scope, `{"title":"elsewhere","src_ip":"198.51.100.9"}`)
		inc := uuid.Must(uuid.NewV7())
		at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		incidents := fakeIncidents{inc: {
			{ID: a1, EventTime: at, Entities: []alert.Entity{{Type: alert.EntityIP, Value: "198.51.100.7", Role: "src"}, {Type: alert.EntityHostname, Value: "ws-1"}}},
			{ID: a2, EventTime: at, Entities: []alert.Entity{{Type: alert.EntityIP, Value: "198.51.100.8", Role: "src"},
				{Type: alert.EntitySHA256, Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}},
		}}
		url := sharingServer(t, d, e.store, incidents)
		res, body := taxiiGet(t, url+"/api/v1/incidents/"+inc.String()+"/stix", key.Token, "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != STIXMediaType || res.Header.Get("X-SecureNexus-Withheld") != "1" {
			t.Fatalf("export: %d %v %s", res.StatusCode, res.Header, body)
		}
		if strings.Contains(string(body), "198.51.100.8") || strings.Contains(string(body), "198.51.100.9") {
			t.Fatalf("a TLP:RED or unrelated indicator was exported: %s", body)
		}
		inds, _, err := ParseSTIX(body)
		if err != nil || len(inds) != 1 || inds[0].Value != "198.51.100.7" || inds[0].TLP != "amber" || inds[0].Confidence != 80 {
			t.Fatalf("re-imported: %+v, %v", inds, err)
		}
		var bundle struct {
			Type    string           `json:"type"`
			ID      string           `json:"id"`
			Objects []map[string]any `json:"objects"`
		}
		if err := json.Unmarshal(body, &bundle); err != nil || bundle.Type != "bundle" || !strings.HasPrefix(bundle.ID, "bundle--") {
			t.Fatalf("bundle: %s", body)
		}
		for _, o := range bundle.Objects {
			id, _ := o["id"].(string)
			typ, rest, ok := strings.Cut(id, "--")
			if _, err := uuid.Parse(rest); !ok || err != nil || typ != o["type"] {
				t.Fatalf("object id %q", id)
			}
			if o["type"] == "indicator" && (o["created"] == nil || o["modified"] == nil || o["spec_version"] != "2.1") {
				t.Fatalf("indicator: %v", o)
			}
		}

		// Observables: the shareable entities (not the host name), one
		// observed-data per alert, marked as asked.
		_, body = taxiiGet(t, url+"/api/v1/incidents/"+inc.String()+"/stix?observables=true&observables_tlp=green", key.Token, "")
		if err := json.Unmarshal(body, &bundle); err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, o := range bundle.Objects {
			count[o["type"].(string)]++
		}
		if count["ipv4-addr"] != 2 || count["file"] != 1 || count["observed-data"] != 2 || count["indicator"] != 1 || count["marking-definition"] != 2 ||
			strings.Contains(string(body), "ws-1") {
			t.Fatalf("with observables: %v\n%s", count, body)
		}
		if res, _ := taxiiGet(t, url+"/api/v1/incidents/"+inc.String()+"/stix?observables=true&observables_tlp=red", key.Token, ""); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("observables_tlp=red: %d", res.StatusCode)
		}
		if res, _ := taxiiGet(t, url+"/api/v1/incidents/"+uuid.NewString()+"/stix", key.Token, ""); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown incident: %d", res.StatusCode)
		}
	})
}
