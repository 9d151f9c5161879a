package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/httpapi"
)

type textInput struct {
	ID    string `path:"id"`
	Q     string `query:"q"`
	Trace string `header:"X-Trace"`
	Body  struct {
		Name  string            `json:"name,omitempty"`
		Tags  []string          `json:"tags,omitempty"`
		Inner map[string]string `json:"inner,omitempty"`
		N     int               `json:"n,omitempty"`
	}
}

type rawInput struct {
	RawBody []byte
}

func textHarness(t *testing.T) (*harness, *int) {
	t.Helper()
	h := newHarness(t)
	calls := new(int)
	huma.Register(h.srv.API, httpapi.Public(huma.Operation{
		OperationID: "text", Method: http.MethodPost, Path: "/api/v1/text/{id}",
	}), func(_ context.Context, in *textInput) (*echoOutput, error) {
		*calls++
		out := &echoOutput{}
		out.Body.Name = in.Body.Name
		return out, nil
	})
	huma.Register(h.srv.API, httpapi.Public(huma.Operation{
		OperationID: "raw", Method: http.MethodPost, Path: "/api/v1/raw", SkipValidateBody: true,
	}), func(_ context.Context, in *rawInput) (*echoOutput, error) {
		*calls++
		out := &echoOutput{}
		out.Body.Name = string(in.RawBody)
		return out, nil
	})
	return h, calls
}

// Every string a client sends is valid UTF-8 without NUL, or the request
// is a 422 naming the field, before the handler runs.
func TestTextRuleNamesTheField(t *testing.T) {
	h, calls := textHarness(t)
	for _, c := range []struct {
		name, path, body string
		hdr              map[string]string
		field            string
	}{
		{"query NUL", "/api/v1/text/x?q=a%00b", `{}`, nil, "query.q"},
		{"query invalid", "/api/v1/text/x?q=%ff", `{}`, nil, "query.q"},
		{"undeclared query", "/api/v1/text/x?other=%c3", `{}`, nil, "query.other"},
		{"query name", "/api/v1/text/x?k%ff=1", `{}`, nil, `query.k\xff`},
		{"path NUL", "/api/v1/text/a%00b", `{}`, nil, "path.id"},
		{"path invalid", "/api/v1/text/%fe", `{}`, nil, "path.id"},
		{"header", "/api/v1/text/x", `{}`, map[string]string{"X-Trace": "a\xffb"}, "header.X-Trace"},
		{"body NUL", "/api/v1/text/x", `{"name":"a\u0000b"}`, nil, "body.name"},
		{"body invalid", "/api/v1/text/x", "{\"n\":1,\"name\":\"a\xffb\"}", nil, "body.name"},
		{"body array", "/api/v1/text/x", `{"tags":["ok","x\u0000"]}`, nil, "body.tags[1]"},
		{"body nested", "/api/v1/text/x", `{"tags":[],"inner":{"a":"ok","b":"\u0000"}}`, nil, "body.inner.b"},
		{"body key", "/api/v1/text/x", `{"inner":{"k\u0000":"v"}}`, nil, `body.inner.k\x00`},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := *calls
			rec := h.do(t, http.MethodPost, c.path, c.body, c.hdr)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%d %s, want 422", rec.Code, rec.Body)
			}
			p := problemOf(t, rec)
			if len(p.Errors) == 0 || p.Errors[0].Location != c.field {
				t.Fatalf("problem %s, want it to name %s", rec.Body, c.field)
			}
			if *calls != before {
				t.Fatal("the handler ran")
			}
		})
	}
	// Clean text (escaped characters included) passes untouched.
	rec := h.do(t, http.MethodPost, "/api/v1/text/x?q=caf%C3%A9", `{"name":"caf\u00e9 \\u0000 ok","tags":["\u2603"]}`, map[string]string{"X-Trace": "t"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `\\u0000 ok`) {
		t.Fatalf("clean request: %d %s", rec.Code, rec.Body)
	}
	// Malformed JSON is still huma's 400/422, not mistaken for text.
	if rec := h.do(t, http.MethodPost, "/api/v1/text/x", `{"name":`, nil); rec.Code/100 != 4 {
		t.Fatalf("malformed JSON: %d", rec.Code)
	}
	// Oversized bodies keep huma's 413.
	if rec := h.do(t, http.MethodPost, "/api/v1/echo", `{"name":"`+strings.Repeat("\u0000", 300)+`"}`, nil); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d %s", rec.Code, rec.Body)
	}
	// An operation that reads its own body (intake) gets it as sent.
	rec = h.do(t, http.MethodPost, "/api/v1/raw", "{\"name\":\"a\xff\\u0000\"}", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("raw body operation: %d %s", rec.Code, rec.Body)
	}
}

func FuzzJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"\u0000"}`, "{\"a\":[\"\xff\"]}", `[1,{"b":{"c":"d"}}]`, `"x"`, `{"a":`} {
		f.Add([]byte(s))
	}
	h := newHarness(f)
	huma.Register(h.srv.API, httpapi.Public(huma.Operation{OperationID: "fz", Method: http.MethodPost, Path: "/api/v1/fz"}),
		func(_ context.Context, _ *struct{ Body map[string]json.RawMessage }) (*echoOutput, error) {
			return &echoOutput{}, nil
		})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := h.do(t, http.MethodPost, "/api/v1/fz", string(body), map[string]string{"Content-Type": "application/json"})
		if rec.Code >= 500 {
			t.Fatalf("body %q: %d %s", body, rec.Code, rec.Body)
		}
	})
}
