package invariants

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// probe is one request carrying bad text in one field.
type probe struct {
	method, path, query, body string
	field                     string // the location the 422 must name
}

// send makes the request as an all-permission API key and returns the
// status and the problem's first field location.
func send(t *testing.T, base string, key identitytest.APIKey, p probe) (int, string, string) {
	t.Helper()
	u := base + p.path
	if p.query != "" {
		u += "?" + p.query
	}
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequest(p.method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if p.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	key.Apply(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, _ := io.ReadAll(res.Body)
	var prob httpapi.Problem
	_ = json.Unmarshal(raw, &prob)
	loc := ""
	if len(prob.Errors) > 0 {
		loc = prob.Errors[0].Location
	}
	return res.StatusCode, loc, string(raw)
}

// TestProbeFieldsAreValidated replays the external probe's findings: each
// of these fields gave 500 on PostgreSQL with NUL or invalid UTF-8.
func TestProbeFieldsAreValidated(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			b := boot(t, dialect)
			org := identitytest.NewOrg(t, b.app.DB, "text probe")
			key := identitytest.NewAPIKey(t, b.app.DB, org, rbac.All...)
			member := identitytest.NewMember(t, b.app.DB, org, rbac.RoleAnalyst)
			for _, bad := range []struct{ json, query string }{{`\u0000`, "%00"}, {"\xff", "%ff"}} {
				for _, p := range []probe{
					{method: "PATCH", path: "/api/v1/org", body: `{"name":"x` + bad.json + `"}`, field: "body.name"},
					{method: "POST", path: "/api/v1/orgs", body: `{"name":"x` + bad.json + `"}`, field: "body.name"},
					{method: "POST", path: "/api/v1/org/api-keys", body: `{"name":"k` + bad.json + `","permissions":["alerts:read"]}`, field: "body.name"},
					{method: "POST", path: "/api/v1/org/invitations", body: `{"email":"a@example.test","role":"viewer` + bad.json + `"}`, field: "body.role"},
					{method: "PATCH", path: "/api/v1/org/members/" + member.UserID.String(), body: `{"role":"viewer` + bad.json + `"}`, field: "body.role"},
					{method: "PUT", path: "/api/v1/org/oidc", body: `{"issuer":"https://idp.example.test","client_id":"c` + bad.json + `","client_secret":"s","enabled":false}`, field: "body.client_id"},
					{method: "POST", path: "/api/v1/org/roles", body: `{"name":"r1","description":"d` + bad.json + `","permissions":["alerts:read"]}`, field: "body.description"},
					{method: "GET", path: "/api/v1/audit", query: "actor=user:" + bad.query, field: "query.actor"},
					{method: "GET", path: "/api/v1/audit", query: "action=alert." + bad.query, field: "query.action"},
					{method: "GET", path: "/api/v1/audit", query: "target_type=t" + bad.query, field: "query.target_type"},
				} {
					st, loc, raw := send(t, b.url, key, p)
					if st != http.StatusUnprocessableEntity || loc != p.field {
						t.Errorf("%s %s?%s %q: %d %s, want 422 naming %s", p.method, p.path, p.query, p.body, st, raw, p.field)
					}
				}
			}
		})
	}
}

// TestEveryOperationRefusesBadText walks every operation of the whole
// application: bad text in any string query parameter, any path parameter
// and any top-level string member of a JSON body is a 422 naming it, never
// a 500, never reaching the handler.
func TestEveryOperationRefusesBadText(t *testing.T) {
	b := boot(t, "postgres")
	org := identitytest.NewOrg(t, b.app.DB, "text walk")
	key := identitytest.NewAPIKey(t, b.app.DB, org, rbac.All...)
	api := b.app.Server.API
	var probes []probe
	for path, item := range api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
		} {
			if op == nil {
				continue
			}
			probes = append(probes, opProbes(api, method, path, op)...)
		}
	}
	sort.Slice(probes, func(i, j int) bool {
		return probes[i].path+probes[i].query+probes[i].body < probes[j].path+probes[j].query+probes[j].body
	})
	if len(probes) < 50 {
		t.Fatalf("only %d probes: the walk found too few parameters", len(probes))
	}
	for _, p := range probes {
		st, loc, raw := send(t, b.url, key, p)
		if st != http.StatusUnprocessableEntity || loc != p.field {
			t.Errorf("%s %s?%s %s: %d %s, want 422 naming %s", p.method, p.path, p.query, p.body, st, raw, p.field)
		}
	}
}

// opProbes builds the probes of one operation: path parameters filled with
// fresh UUIDs except the probed one.
func opProbes(api huma.API, method, path string, op *huma.Operation) []probe {
	var pathParams []string
	for _, p := range op.Parameters {
		if p.In == "path" {
			pathParams = append(pathParams, p.Name)
		}
	}
	fill := func(bad string) string {
		out := path
		for _, name := range pathParams {
			v := uuid.NewString()
			if name == bad {
				v = "x%00y"
			}
			out = strings.ReplaceAll(out, "{"+name+"}", v)
		}
		return out
	}
	var out []probe
	for _, p := range op.Parameters {
		switch {
		case p.In == "path":
			out = append(out, probe{method: method, path: fill(p.Name), field: "path." + p.Name})
		case p.In == "query" && p.Schema != nil && (p.Schema.Type == "string" || p.Schema.Type == "array"):
			out = append(out, probe{method: method, path: fill(""), query: url.QueryEscape(p.Name) + "=a%ff", field: "query." + p.Name})
		}
	}
	if op.SkipValidateBody || op.RequestBody == nil {
		return out
	}
	mt := op.RequestBody.Content["application/json"]
	if mt == nil || mt.Schema == nil {
		return out
	}
	s := mt.Schema
	if s.Ref != "" {
		s = api.OpenAPI().Components.Schemas.SchemaFromRef(s.Ref)
	}
	if s == nil {
		return out
	}
	names := make([]string, 0, len(s.Properties))
	for name, ps := range s.Properties {
		if ps.Type == "string" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, probe{method: method, path: fill(""), body: `{"` + name + `":"v\u0000"}`, field: "body." + name})
	}
	return out
}
