package crosstenant

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// boot builds the whole application (every registered module) on a fresh
// database of the dialect and serves it.
func boot(t *testing.T, dialect db.Dialect) *Env {
	t.Helper()
	c := identitytest.Config(t, "")
	if dialect == db.Postgres {
		c.DatabaseURL = testdb.NewPostgresURL(t)
		c.MigrateOnStart = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := app.Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("build app on %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	return &Env{App: a, DB: a.DB, URL: srv.URL}
}

// newOrg creates an org with an owner and an all-permission API key.
func newOrg(t *testing.T, e *Env, name string) *Org {
	t.Helper()
	id := identitytest.NewOrg(t, e.DB, "crosstenant "+name)
	return &Org{
		Name:  name,
		ID:    id,
		Owner: identitytest.NewMember(t, e.DB, id, rbac.RoleOwner),
		Key:   identitytest.NewAPIKey(t, e.DB, id, rbac.All...),
	}
}

// route is one operation the suite walks.
type route struct {
	op     *huma.Operation
	method string
	path   string
	params []string // path parameters, in path order
	// orgScoped: x-org-scoped; otherwise an Authenticated (per-user)
	// operation, whose objects belong to a user of one org.
	orgScoped bool
}

func (r route) String() string { return r.method + " " + r.path + " (" + r.op.OperationID + ")" }

var paramRe = regexp.MustCompile(`\{([^}]+)\}`)

// walkedRoutes lists every operation the OpenAPI document marks
// x-org-scoped, and every Authenticated one (signed-in, no org
// permission: "my sessions"), sorted. Public operations are left out.
func walkedRoutes(api huma.API) []route {
	var out []route
	for path, item := range api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
		} {
			if op == nil {
				continue
			}
			_, public, declared := httpapi.Permission(op)
			scoped, _ := op.Extensions[httpapi.ExtOrgScoped].(bool)
			if public || !declared {
				continue
			}
			r := route{op: op, method: method, path: path, orgScoped: scoped}
			for _, m := range paramRe.FindAllStringSubmatch(path, -1) {
				r.params = append(r.params, m[1])
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// fixtureKey returns the registry key of a route's path parameter.
func (reg Registry) fixtureKey(r route, param string) (string, bool) {
	p := "{" + param + "}"
	prefix := r.path[:strings.Index(r.path, p)+len(p)]
	if _, ok := reg.Fixtures[prefix]; ok {
		return prefix, true
	}
	if _, ok := reg.Fixtures[p]; ok {
		return p, true
	}
	return "", false
}

// violation is one isolation failure the suite found.
type violation struct {
	Route   string
	Problem string
}

func (v violation) String() string { return v.Route + ": " + v.Problem }

// suite runs the checks against one booted application.
type suite struct {
	t    *testing.T
	e    *Env
	reg  Registry
	a, b *Org
	// ids of each org's fixture objects, by fixture key.
	idsA, idsB map[string]string
	found      []violation
	client     *http.Client
}

func (s *suite) flag(r, format string, args ...any) {
	s.found = append(s.found, violation{Route: r, Problem: fmt.Sprintf(format, args...)})
}

// do sends one request and returns the status and body.
func (s *suite) do(p principal, method, path, body string, extra func(*http.Request)) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.e.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	p.apply(req)
	if extra != nil {
		extra(req)
	}
	res, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return res.StatusCode, b
}

// createFixtures makes one object of every registered fixture in org,
// parents (fewer path parameters) first.
func (s *suite) createFixtures(org *Org) map[string]string {
	keys := slices.Collect(func(yield func(string) bool) {
		for k := range s.reg.Fixtures {
			if !yield(k) {
				return
			}
		}
	})
	sort.Slice(keys, func(i, j int) bool {
		ni, nj := strings.Count(keys[i], "{"), strings.Count(keys[j], "{")
		if ni != nj {
			return ni < nj
		}
		return keys[i] < keys[j]
	})
	ids := map[string]string{}
	for _, k := range keys {
		id := s.reg.Fixtures[k].Create(s.t, s.e, org, ids)
		if len(id) < 16 {
			s.flag("fixture "+k, "returned %q: ids must be at least 16 characters to be searched for in bodies", id)
		}
		ids[k] = id
	}
	return ids
}

// fill substitutes the path parameters of r: pick returns each value.
func (s *suite) fill(r route, pick func(i int, key string) string) (string, bool) {
	path := r.path
	for i, p := range r.params {
		key, ok := s.reg.fixtureKey(r, p)
		if !ok {
			return "", false
		}
		path = strings.Replace(path, "{"+p+"}", pick(i, key), 1)
	}
	return path, true
}

// forbidden returns every string of org B that org A must never see,
// except those in skip (the ids A itself put in the request).
func (s *suite) forbidden(skip string) []string {
	out := []string{s.b.ID.String(), s.b.Owner.UserID.String(), s.b.Owner.Email, s.b.Key.ID.String()}
	for _, id := range s.idsB {
		out = append(out, id)
	}
	return slices.DeleteFunc(out, func(v string) bool { return strings.Contains(skip, v) })
}

func (s *suite) leaks(body []byte, skip string) []string {
	var hits []string
	for _, v := range s.forbidden(skip) {
		if bytes.Contains(body, []byte(v)) {
			hits = append(hits, v)
		}
	}
	return hits
}

func (s *suite) body(r route, target *Org, ids map[string]string) string {
	if r.op.RequestBody == nil {
		return ""
	}
	if fn, ok := s.reg.Bodies[r.op.OperationID]; ok {
		return fn(s.t, s.e, target, ids)
	}
	return ""
}

// attackers are org A's principals aimed at org B's objects.
func (s *suite) attackers() []principal {
	keyNamingB := keyOf(s.a)
	keyNamingB.name = s.a.Name + " API key with X-Org-ID of " + s.b.Name
	inner := keyNamingB.apply
	keyNamingB.apply = func(r *http.Request) { inner(r); r.Header.Set(identity.OrgHeader, s.b.ID.String()) }
	return []principal{sessionOf(s.a), keyOf(s.a), keyNamingB}
}

// checkObjectRoute: org A addressing org B's object gets exactly what it
// gets for an object that does not exist (404, or the same 403), and the
// answer shows nothing else of org B.
func (s *suite) checkObjectRoute(r route) {
	for _, p := range r.params {
		if _, ok := s.reg.fixtureKey(r, p); !ok {
			s.flag(r.String(), "path parameter {%s} has no fixture: register one (key %q or %q) in internal/crosstenant/fixtures_<module>_test.go",
				p, r.path[:strings.Index(r.path, "{"+p+"}")+len(p)+2], "{"+p+"}")
			return
		}
	}
	if r.op.RequestBody != nil && r.op.RequestBody.Required {
		if _, ok := s.reg.Bodies[r.op.OperationID]; !ok {
			s.flag(r.String(), "has a request body but the registry has none for it: without a valid body a 422 would hide the isolation answer")
			return
		}
	}
	// Every parameter org B's; and, for nested routes, org A's parents
	// with org B's object last.
	variants := []func(i int, key string) string{func(_ int, key string) string { return s.idsB[key] }}
	if len(r.params) > 1 {
		last := len(r.params) - 1
		variants = append(variants, func(i int, key string) string {
			if i == last {
				return s.idsB[key]
			}
			return s.idsA[key]
		})
	}
	for _, p := range s.attackers() {
		for _, pick := range variants {
			path, _ := s.fill(r, pick)
			missing, _ := s.fill(r, func(i int, key string) string {
				if i < len(r.params)-1 {
					return pick(i, key)
				}
				if m := s.reg.Fixtures[key].Missing; m != nil {
					return m()
				}
				return uuid.Must(uuid.NewV7()).String()
			})
			body := s.body(r, s.b, s.idsB)
			st, got := s.do(p, r.method, path, body, nil)
			mst, _ := s.do(p, r.method, missing, body, nil)
			switch {
			case st != http.StatusNotFound && st != http.StatusForbidden:
				s.flag(r.String(), "%s on %s got %d, want 404: %s", p.name, path, st, excerpt(got))
			case st != mst:
				s.flag(r.String(), "%s on %s got %d but %d for a missing object: the answer reveals that org B's object exists", p.name, path, st, mst)
			}
			if hits := s.leaks(got, path+body); len(hits) > 0 {
				s.flag(r.String(), "%s on %s: response shows org B's %v", p.name, path, hits)
			}
		}
	}
}

// checkProbe: an operation naming org B's object in its body or query
// answers org A as it answers for a missing object, with a 4xx.
func (s *suite) checkProbe(r route, pr Probe) {
	f, ok := s.reg.Fixtures[pr.Fixture]
	if !ok {
		s.flag(r.String(), "probe names fixture %q, which is not registered", pr.Fixture)
		return
	}
	missingID := uuid.Must(uuid.NewV7()).String()
	if f.Missing != nil {
		missingID = f.Missing()
	}
	target := s.idsB[pr.Fixture]
	for _, p := range s.attackers() {
		q, body := pr.Request(target)
		mq, mbody := pr.Request(missingID)
		st, got := s.do(p, r.method, r.path+"?"+q, body, nil)
		mst, _ := s.do(p, r.method, r.path+"?"+mq, mbody, nil)
		switch {
		case st/100 != 4:
			s.flag(r.String(), "%s naming org B's object (%s %s) got %d, want 4xx: %s", p.name, q, body, st, excerpt(got))
		case st != mst:
			s.flag(r.String(), "%s naming org B's object got %d but %d for a missing one: the answer reveals that it exists", p.name, st, mst)
		}
		if hits := s.leaks(got, q+body); len(hits) > 0 {
			s.flag(r.String(), "%s: response shows org B's %v", p.name, hits)
		}
	}
}

// checkListRoute: org A's lists show nothing of org B.
func (s *suite) checkListRoute(r route, seen *bytes.Buffer) {
	path := r.path
	if q, ok := s.reg.ListQueries[r.op.OperationID]; ok {
		path += "?" + q
	}
	for i, p := range s.attackers() {
		st, got := s.do(p, r.method, path, "", nil)
		switch {
		case i == 0 && st/100 != 2:
			// The owner holds every permission: a refusal would make the
			// leak check below vacuous.
			s.flag(r.String(), "%s got %d, want 2xx (add ListQueries if the list needs parameters): %s", p.name, st, excerpt(got))
		case st/100 != 2 && st != http.StatusForbidden:
			s.flag(r.String(), "%s got %d, want 2xx or 403: %s", p.name, st, excerpt(got))
		}
		if hits := s.leaks(got, ""); len(hits) > 0 {
			s.flag(r.String(), "%s: list shows org B's %v", p.name, hits)
		}
		if st/100 == 2 {
			seen.Write(got)
		}
	}
}

// checkOrgSwitch: org A's owner naming org B in X-Org-ID is refused by
// every org-scoped operation, before it does anything.
func (s *suite) checkOrgSwitch(r route) {
	p := principal{name: s.a.Name + " owner session with X-Org-ID of " + s.b.Name, apply: s.a.Owner.InOrg(s.b.ID).Apply}
	path, ok := s.fill(r, func(_ int, key string) string { return s.idsB[key] })
	if !ok {
		return // reported by checkObjectRoute
	}
	st, got := s.do(p, r.method, path, s.body(r, s.b, s.idsB), nil)
	if st != http.StatusUnauthorized && st != http.StatusForbidden && st != http.StatusNotFound {
		s.flag(r.String(), "%s got %d, want 401/403/404: %s", p.name, st, excerpt(got))
	}
}

// snapshot returns, for each of org B's fixture ids, the JSON objects of
// org B's (non-append-only) lists that mention it, as seen by org B.
func (s *suite) snapshot(routes []route) map[string][]string {
	out := map[string][]string{}
	for _, r := range routes {
		if r.method != http.MethodGet || len(r.params) > 0 || s.reg.AppendOnlyLists[r.path] {
			continue
		}
		path := r.path
		if q, ok := s.reg.ListQueries[r.op.OperationID]; ok {
			path += "?" + q
		}
		st, got := s.do(sessionOf(s.b), r.method, path, "", nil)
		if st != http.StatusOK {
			continue
		}
		var v any
		if json.Unmarshal(got, &v) != nil {
			continue
		}
		walkStrings(v, nil, func(str string, parent map[string]any) {
			for key, id := range s.idsB {
				if str != id {
					continue
				}
				entry := r.path + " lists " + id
				if parent != nil {
					b, _ := json.Marshal(parent)
					entry = r.path + " " + string(b)
				}
				out[key] = append(out[key], entry)
			}
		})
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// walkStrings calls fn for every string value in v with the object that
// holds it (nil inside an array).
func walkStrings(v any, parent map[string]any, fn func(string, map[string]any)) {
	switch x := v.(type) {
	case string:
		fn(x, parent)
	case map[string]any:
		for _, e := range x {
			walkStrings(e, x, fn)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, nil, fn)
		}
	}
}

// positiveControl: the same request by the owning org on a fresh object
// succeeds, so the 404s above come from isolation, not a bad request.
func (s *suite) positiveControl(r route) {
	if _, exempt := s.reg.NoControl[r.op.OperationID]; exempt {
		return
	}
	ids := map[string]string{}
	for k, v := range s.idsB {
		ids[k] = v
	}
	for _, p := range r.params {
		key, ok := s.reg.fixtureKey(r, p)
		if !ok {
			return
		}
		ids[key] = s.reg.Fixtures[key].Create(s.t, s.e, s.b, ids)
	}
	path, _ := s.fill(r, func(_ int, key string) string { return ids[key] })
	st, got := s.do(sessionOf(s.b), r.method, path, s.body(r, s.b, ids), nil)
	if st/100 != 2 {
		s.flag(r.String(), "positive control: %s on its own object got %d, want 2xx (fix the fixture or body, or add a NoControl reason): %s",
			s.b.Name, st, excerpt(got))
	}
}

// probeControl: org B naming its own fresh object succeeds.
func (s *suite) probeControl(r route, pr Probe) {
	f, ok := s.reg.Fixtures[pr.Fixture]
	if !ok {
		return
	}
	q, body := pr.Request(f.Create(s.t, s.e, s.b, s.idsB))
	st, got := s.do(sessionOf(s.b), r.method, r.path+"?"+q, body, nil)
	if st/100 != 2 {
		s.flag(r.String(), "positive control: %s naming its own object got %d, want 2xx: %s", s.b.Name, st, excerpt(got))
	}
}

func excerpt(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

var methodRank = map[string]int{http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 2, http.MethodPatch: 3, http.MethodDelete: 4}

// run executes the whole suite and returns what it found.
func run(t *testing.T, e *Env, reg Registry) []violation {
	t.Helper()
	s := &suite{t: t, e: e, reg: reg, client: &http.Client{Timeout: 30 * time.Second}}
	s.a, s.b = newOrg(t, e, "org A"), newOrg(t, e, "org B")
	s.idsA, s.idsB = s.createFixtures(s.a), s.createFixtures(s.b)
	routes := walkedRoutes(e.App.Server.API)
	if !slices.ContainsFunc(routes, func(r route) bool { return r.orgScoped }) {
		t.Fatal("no x-org-scoped operation found")
	}
	before := s.snapshot(routes)

	// Lists first: org A's own later requests (aimed at org B's ids) may
	// legitimately appear in org A's audit log.
	var seen bytes.Buffer
	for _, r := range routes {
		if r.method == http.MethodGet && len(r.params) == 0 {
			s.checkListRoute(r, &seen)
		}
	}
	for key, f := range reg.Fixtures {
		if !f.Unlisted && !bytes.Contains(seen.Bytes(), []byte(s.idsA[key])) {
			s.flag("fixture "+key, "org A's own object never appears in any of its lists, so the list checks cannot see it: mark the fixture Unlisted if no list shows it")
		}
	}
	// Reads before writes before deletes: a broken DELETE must not hide a
	// broken GET by removing the object first.
	objectRoutes := slices.DeleteFunc(slices.Clone(routes), func(r route) bool { return len(r.params) == 0 })
	slices.SortStableFunc(objectRoutes, func(x, y route) int { return methodRank[x.method] - methodRank[y.method] })
	for _, r := range objectRoutes {
		s.checkObjectRoute(r)
	}
	probed := map[string]bool{}
	for _, r := range routes {
		if pr, ok := reg.Probes[r.op.OperationID]; ok {
			s.checkProbe(r, pr)
			probed[r.op.OperationID] = true
		}
	}
	for id := range reg.Probes {
		if !probed[id] {
			s.flag("probe "+id, "no org-scoped operation has this id")
		}
	}
	for _, r := range routes {
		if r.orgScoped {
			s.checkOrgSwitch(r)
		}
	}
	after := s.snapshot(routes)
	for key, objs := range before {
		for _, o := range objs {
			if !slices.Contains(after[key], o) {
				s.flag("fixture "+key, "org B's object changed or vanished during org A's requests: before %s, after %v", o, after[key])
			}
		}
	}
	for _, r := range routes {
		if len(r.params) > 0 {
			s.positiveControl(r)
		}
		if pr, ok := reg.Probes[r.op.OperationID]; ok {
			s.probeControl(r, pr)
		}
	}
	scoped := 0
	for _, r := range routes {
		if r.orgScoped {
			scoped++
		}
	}
	t.Logf("%d x-org-scoped and %d authenticated operations checked, %d fixtures", scoped, len(routes)-scoped, len(reg.Fixtures))
	return s.found
}
