package ingest

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
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
