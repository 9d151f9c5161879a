package identity

import (
	"encoding/base64"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
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

// Decode validates the cursor.
func (p PageInput) Decode() (Page, error) {
	pg := Page{Limit: p.Limit}
	if pg.Limit <= 0 {
		pg.Limit = DefaultPageSize
	}
	pg.Limit = min(pg.Limit, MaxPageSize)
	if p.Cursor == "" {
		return pg, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err == nil {
		pg.After, err = uuid.ParseBytes(raw)
	}
	if err != nil {
		return Page{}, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "is not a cursor returned by this API"))
	}
	return pg, nil
}

// after is the id strictly after which the page starts (the nil UUID sorts
// before every UUIDv7 on both backends).
func (p Page) after() string { return p.After.String() }

// pageOf trims a result of limit+1 rows and returns the next cursor.
func pageOf[T any](rows []T, limit int, id func(T) uuid.UUID) ([]T, string) {
	if len(rows) <= limit {
		return nonNil(rows), ""
	}
	rows = rows[:limit]
	return rows, base64.RawURLEncoding.EncodeToString([]byte(id(rows[limit-1]).String()))
}
