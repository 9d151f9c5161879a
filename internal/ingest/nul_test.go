package ingest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// A NUL character in a normalized text field (title, entity value...) is
// legal JSON ("\u0000") but PostgreSQL text and jsonb reject it: one such
// record must not fail the whole request with a 500.
func TestNULInTextFieldsIsNot500(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		st, b := h.do("POST", "/api/v1/alerts", org, `{"title":"evil\u0000title","host":"web\u00001","rule":"R\u0000"}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("single with NUL: %d %s", st, b)
		}
		batch := `{"title":"ok","rule":"R1"}` + "\n" + `{"title":"x\u0000y","host":"h\u0000"}` + "\n"
		st, b = h.do("POST", "/api/v1/alerts/batch", org, batch, map[string]string{"Content-Type": "application/x-ndjson"})
		if st != http.StatusOK {
			t.Fatalf("batch with NUL: %d %s", st, b)
		}
		if sum := decode[BatchSummary](t, b); sum.Accepted != 2 {
			t.Fatalf("batch summary %+v", sum)
		}
	})
}

func TestJSONNoNUL(t *testing.T) {
	for in, want := range map[string]string{
		`"a\u0000b"`:             `"a` + nulReplacement + `b"`,
		`{"k\u0000":["\u0000"]}`: `{"k` + nulReplacement + `":["` + nulReplacement + `"]}`,
		`"a\\u0000b"`:            `"a\\u0000b"`, // an escaped backslash, not a NUL
		`12`:                     `12`,
	} {
		got := string(jsonNoNUL([]byte(in)))
		if got != want {
			t.Errorf("jsonNoNUL(%s) = %s, want %s", in, got, want)
		}
	}
}

// One record with invalid UTF-8 (a raw 0xff byte, legal in NDJSON framing
// but not text) is sanitized on its own: the batch commits, every record
// is accepted, the bad bytes become U+FFFD in the stored text while the raw
// payload keeps them.
func TestInvalidUTF8RecordIsSanitizedAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.pipeline.Normalize = normalize.Normalize // keeps unmapped fields as raw JSON
		org := uuid.New()
		batch := `{"title":"ok","rule":"R1"}` + "\n" + "{\"title\":\"bad \xff\xfe title\",\"host\":\"h\xc3\",\"extra\":{\"k\xff\":\"v\xff\"}}" + "\n" + `{"title":"ok2","rule":"R2"}` + "\n"
		st, b := h.do("POST", "/api/v1/alerts/batch", org, batch, map[string]string{"Content-Type": "application/x-ndjson"})
		if st != http.StatusOK {
			t.Fatalf("batch with invalid UTF-8: %d %s", st, b)
		}
		if sum := decode[BatchSummary](t, b); sum.Accepted != 3 {
			t.Fatalf("batch summary %+v, want all three accepted", sum)
		}
		st, b = h.do("POST", "/api/v1/alerts", org, "{\"title\":\"single \xff\",\"rule\":\"R\xfe\"}", nil)
		if st != http.StatusCreated {
			t.Fatalf("single with invalid UTF-8: %d %s", st, b)
		}
		var title string
		err := d.ReadInOrg(context.Background(), tenant.System(org, "test"), func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT title FROM alerts WHERE org_id = $1 AND title LIKE 'bad %'`, org.String()).Scan(&title)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(title) || !strings.Contains(title, "\uFFFD") {
			t.Fatalf("stored title %q, want valid UTF-8 with U+FFFD for the bad bytes", title)
		}
	})
}
