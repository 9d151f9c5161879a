package intel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// The read-only TAXII 2.1 server (docs/intel.md, "TAXII server"): one API
// root, one collection per org holding the org's own shareable
// indicators (not TLP:RED or TLP:AMBER+STRICT, not context-only, not
// platform feeds'), each version's "date added" its shared_at.

// TAXIIPath is where the TAXII server's discovery resource is served.
const TAXIIPath = "/api/v1/intel/taxii2/"

// TAXIIRootPath is the one API root.
const TAXIIRootPath = TAXIIPath + "root/"

// taxiiCollectionNS derives each org's collection id from its org id.
var taxiiCollectionNS = uuid.MustParse("6f0d1f7e-5a55-4b1e-9a4f-2d6a3c1f8e11")

// CollectionID is the id of the org's TAXII collection.
func CollectionID(org uuid.UUID) string {
	return uuid.NewSHA1(taxiiCollectionNS, []byte(org.String())).String()
}

// TAXIIQuery selects a page of the collection's objects.
type TAXIIQuery struct {
	// AddedAfter keeps objects added strictly after it (zero: all).
	AddedAfter time.Time
	// Next resumes after a previous page's last object.
	Next *taxiiCursor
	// IDs keeps only these STIX ids (match[id]); Types the STIX types
	// (match[type]; only "indicator" is served).
	IDs, Types []string
	Limit      int
}

type taxiiCursor struct {
	at time.Time
	id uuid.UUID
}

func (c taxiiCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.at.UTC().Format(time.RFC3339Nano) + "|" + c.id.String()))
}

func decodeTAXIICursor(s string) (*taxiiCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return nil, false
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return nil, false
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, false
	}
	return &taxiiCursor{at: at.UTC(), id: u}, true
}

// TAXIIPage is one page of the collection.
type TAXIIPage struct {
	Objects          []json.RawMessage
	More             bool
	Next             string
	AddedFirst, Last time.Time
}

// SharedObjects returns one page of the org's TAXII collection, oldest
// date added first.
func (s *Store) SharedObjects(ctx context.Context, scope tenant.Scope, q TAXIIQuery) (*TAXIIPage, error) {
	page := &TAXIIPage{}
	if len(q.Types) > 0 && !containsFold(q.Types, "indicator") {
		return page, nil
	}
	var ids []string
	for _, id := range q.IDs {
		raw, ok := strings.CutPrefix(id, "indicator--")
		if u, err := uuid.Parse(raw); ok && err == nil {
			ids = append(ids, u.String())
		}
	}
	if len(q.IDs) > 0 && len(ids) == 0 {
		return page, nil
	}
	limit := min(max(q.Limit, 1), 10000)
	type row struct {
		ind    Indicator
		shared time.Time
	}
	var rows []row
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		args := []any{scope.Org().String()}
		arg := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		where := []string{"org_id = $1", "detect", "tlp NOT IN ('red', 'amber+strict')", "type NOT IN ('ja3', 'ja4')"}
		if !q.AddedAfter.IsZero() {
			where = append(where, "shared_at > "+arg(q.AddedAfter.UTC()))
		}
		if q.Next != nil {
			where = append(where, "(shared_at, id) > ("+arg(q.Next.at)+", "+arg(q.Next.id.String())+")")
		}
		if len(ids) > 0 {
			marks := make([]string, len(ids))
			for i, id := range ids {
				marks[i] = arg(id)
			}
			where = append(where, "id IN ("+strings.Join(marks, ", ")+")")
		}
		rs, err := tx.QueryContext(ctx, `SELECT `+indicatorCols+`, shared_at FROM intel_indicators WHERE `+strings.Join(where, " AND ")+
			` ORDER BY shared_at, id LIMIT `+arg(limit+1), args...)
		if err != nil {
			return fmt.Errorf("intel: TAXII objects: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var r row
			if r.ind, err = scanIndicator(extraScanner{rs, []any{&r.shared}}); err != nil {
				return err
			}
			r.shared = r.shared.UTC()
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		page.More = true
		last := rows[limit-1]
		page.Next = taxiiCursor{at: last.shared, id: last.ind.ID}.encode()
	}
	for i := range rows {
		o, ok := indicatorObject(&rows[i].ind, rows[i].shared)
		if !ok {
			continue
		}
		b, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("intel: encode TAXII object: %w", err)
		}
		page.Objects = append(page.Objects, b)
	}
	if len(rows) > 0 {
		page.AddedFirst, page.Last = rows[0].shared, rows[len(rows)-1].shared
	}
	if len(page.Objects) > 0 && scope.Actor() != "" {
		err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			return audit.Record(ctx, tx, auditEntry(scope, "intel.taxii.read", "taxii_collection", CollectionID(scope.Org()),
				map[string]any{"objects": len(page.Objects), "more": page.More}))
		})
		if err != nil {
			return nil, err
		}
	}
	return page, nil
}

// extraScanner scans a row's leading columns into the caller's scan and
// the rest into extra.
type extraScanner struct {
	sc    db.Scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

// splitMatch splits a comma-separated match[...] filter.
func splitMatch(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// TAXIIInput is what every TAXII request may send.
type TAXIIInput struct {
	Accept string `header:"Accept" doc:"application/taxii+json;version=2.1 (or application/taxii+json, */*)"`
}

// TAXIIOutput is a TAXII response (application/taxii+json;version=2.1).
type TAXIIOutput struct {
	ContentType string  `header:"Content-Type"`
	First       *string `header:"X-TAXII-Date-Added-First" doc:"Objects endpoint: date added of the page's first object"`
	Last        *string `header:"X-TAXII-Date-Added-Last" doc:"Objects endpoint: date added of the page's last object (the next added_after)"`
	Body        []byte
}

// TAXIICollectionInput names the org's collection.
type TAXIICollectionInput struct {
	TAXIIInput
	ID string `path:"id" maxLength:"64"`
}

// TAXIIObjectsInput filters the objects endpoint.
type TAXIIObjectsInput struct {
	TAXIICollectionInput
	AddedAfter  string `query:"added_after" maxLength:"64" doc:"RFC 3339 timestamp: only objects added after it"`
	Limit       int    `query:"limit" minimum:"1" maximum:"10000" default:"1000"`
	Next        string `query:"next" maxLength:"200" doc:"The next token of the previous page"`
	MatchType   string `query:"match[type]" maxLength:"500" doc:"Comma-separated STIX types (only indicator is served)"`
	MatchID     string `query:"match[id]" maxLength:"20000" doc:"Comma-separated STIX ids"`
	MatchVer    string `query:"match[version]" maxLength:"500" doc:"Accepted; the latest version of each object is served"`
	MatchSpecVe string `query:"match[spec_version]" maxLength:"100" doc:"Only 2.1 is served"`
}

func taxiiBody(v any) (*TAXIIOutput, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("intel: encode TAXII resource: %w", err)
	}
	return &TAXIIOutput{ContentType: TAXIIMediaType, Body: b}, nil
}

// acceptsTAXII reports whether an Accept header allows the TAXII media
// type (absent, */*, application/*, application/json, or
// application/taxii+json with version 2.1 or none).
func acceptsTAXII(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		switch mt {
		case "*/*", "application/*", "application/json":
			return true
		case "application/taxii+json":
			if v := versionParam(params); v == "" || v == "2.1" {
				return true
			}
		}
	}
	return false
}

func versionParam(params string) string {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "version") {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

func checkAccept(in *TAXIIInput) error {
	if !acceptsTAXII(in.Accept) {
		return huma.Error406NotAcceptable("the TAXII server answers " + TAXIIMediaType)
	}
	return nil
}

// exactPath answers 404 for a path under a TAXII resource's own (the
// router matches a path ending in "/" as a prefix).
func exactPath(api huma.API, want string) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if p := ctx.URL().Path; p != want && !matchesTemplate(p, want) {
			_ = huma.WriteErr(api, ctx, http.StatusNotFound, "no such TAXII resource")
			return
		}
		next(ctx)
	}
}

// matchesTemplate reports whether path has template's segments, where
// "{x}" stands for any one non-empty segment.
func matchesTemplate(path, template string) bool {
	ps, ts := strings.Split(path, "/"), strings.Split(template, "/")
	if len(ps) != len(ts) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			if ps[i] == "" {
				return false
			}
		} else if ps[i] != ts[i] {
			return false
		}
	}
	return true
}
