package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Page sizes for list operations.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageInput is the cursor pagination every identity list accepts.
type PageInput struct {
	Cursor string `query:"cursor" maxLength:"200" doc:"Opaque cursor from a previous page's next_cursor"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size"`
}

// Page is a decoded PageInput.
type Page struct {
	After uuid.UUID
	Limit int
}

// cursorKind tags identity's id-keyed cursors.
const cursorKind = "id"

// Decode validates the cursor.
func (p PageInput) Decode() (Page, error) {
	pg := Page{Limit: page.Limit(p.Limit, DefaultPageSize, MaxPageSize)}
	if p.Cursor == "" {
		return pg, nil
	}
	after, err := page.Decode[uuid.UUID](cursorKind, p.Cursor)
	if err != nil {
		return Page{}, err
	}
	pg.After = after
	return pg, nil
}

// after is the id strictly after which the page starts (the nil UUID sorts
// before every UUIDv7 on both backends).
func (p Page) after() string { return p.After.String() }

// pageOf trims a result of limit+1 rows and returns the next cursor.
func pageOf[T any](rows []T, limit int, id func(T) uuid.UUID) ([]T, string) {
	return page.Trim(cursorKind, rows, limit, id)
}

// listOrgPage runs an org-scoped keyset query and pages its result. query
// takes $1 the org, $2 the id after which the page starts and $3 the limit
// (one more row than the page, to know whether another follows).
func listOrgPage[T any](ctx context.Context, d *db.DB, scope tenant.Scope, pg Page, scan func(db.Scanner) (T, error), id func(T) uuid.UUID, query string) ([]T, string, error) {
	var out []T
	err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = db.Collect(ctx, tx, scan, query, scope.Org().String(), pg.after(), pg.Limit+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := pageOf(out, pg.Limit, id)
	return out, next, nil
}
