package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/securenexus/securenexus/internal/apperr"
)

// The API's one text rule: every string a client sends (query, path and
// declared header parameters, and every key and string value of a JSON
// body) is valid UTF-8 without NUL. PostgreSQL text and jsonb hold neither,
// so without the rule such input would reach the database and fail as a
// 500 (or, for invalid UTF-8 in a JSON body, be silently rewritten by the
// JSON decoder). The rule runs once, before any handler or huma's own
// parsing, and answers 422 naming the field.
//
// Operations that declare SkipValidateBody read their body themselves
// (intake: a payload or a batch, sanitized per record so one bad record
// does not sink the batch); their parameters are still checked.

// Why a string breaks the rule.
const (
	whyInvalidUTF8 = "is not valid UTF-8"
	whyNUL         = "contains a NUL character"
)

// badText says why s breaks the text rule ("" when it does not).
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return whyInvalidUTF8
	case strings.IndexByte(s, 0) >= 0:
		return whyNUL
	}
	return ""
}

// printable makes a client-sent name safe to echo in a field location.
func printable(s string) string {
	if badText(s) == "" {
		return s
	}
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1]
}

// textMiddleware enforces the text rule.
func (s *Server) textMiddleware(ctx huma.Context, next func(huma.Context)) {
	fields := checkParams(ctx)
	if len(fields) == 0 {
		var err error
		fields, err = checkBody(ctx)
		if err != nil {
			s.writeProblem(ctx, err)
			return
		}
	}
	if len(fields) > 0 {
		s.writeProblem(ctx, apperr.Validation("text must be valid UTF-8 without NUL characters", fields...))
		return
	}
	next(ctx)
}

// checkParams checks every query parameter (declared or not) and the
// operation's path and header parameters.
func checkParams(ctx huma.Context) []apperr.FieldError {
	var out []apperr.FieldError
	u := ctx.URL()
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	// Stable order, so the problem is the same on every try.
	slices.Sort(keys)
	for _, k := range keys {
		if why := badText(k); why != "" {
			out = append(out, apperr.Field("query."+printable(k), "parameter name "+why))
			continue
		}
		for _, v := range q[k] {
			if why := badText(v); why != "" {
				out = append(out, apperr.Field("query."+k, why))
				break
			}
		}
	}
	op := ctx.Operation()
	if op == nil {
		return out
	}
	for _, p := range op.Parameters {
		var v string
		switch p.In {
		case "path":
			v = ctx.Param(p.Name)
		case "header":
			v = ctx.Header(p.Name)
		default:
			continue
		}
		if why := badText(v); why != "" {
			out = append(out, apperr.Field(p.In+"."+p.Name, why))
		}
	}
	return out
}

// defaultMaxBody mirrors huma's default body limit.
const defaultMaxBody = 1 << 20

// checkBody checks a JSON request body the operation lets huma parse. The
// bytes read are put back in front of the rest of the body, so huma (and
// its size limit) sees the request unchanged.
func checkBody(ctx huma.Context) ([]apperr.FieldError, error) {
	op := ctx.Operation()
	if op == nil || op.SkipValidateBody {
		return nil, nil
	}
	r, _ := humago.Unwrap(ctx)
	if r == nil || r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, nil // huma answers unsupported media types
		}
	}
	limit := op.MaxBodyBytes
	if limit == 0 {
		limit = defaultMaxBody
	}
	if limit < 0 {
		limit = 32 << 20 // unlimited by the operation: check what a client plausibly sends
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil // huma reports the size
		}
		return nil, apperr.BadRequest("request body could not be read").WithCode("body_unreadable")
	}
	if int64(len(buf)) > limit {
		return nil, nil // huma answers 413
	}
	return jsonText(buf), nil
}

// readCloser reads from the replayed body and closes the original.
type readCloser struct {
	io.Reader
	c io.Closer
}

func (rc readCloser) Close() error { return rc.c.Close() }

// frame is one open JSON container while walking a body.
type frame struct {
	object bool
	key    string // object: the current member's key
	index  int    // array: the current element's index
	inKey  bool   // object: the next string token is a key
}

// jsonText walks the tokens of body and names each string (key or value)
// that breaks the text rule, at most one per location, as huma names body
// fields: body.a.b[2].c. Malformed JSON is left for huma to report.
func jsonText(body []byte) []apperr.FieldError {
	valid := utf8.Valid(body)
	if valid && !bytes.Contains(body, []byte(`\u0000`)) {
		return nil // the common case: nothing to find
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []frame
	var out []apperr.FieldError
	path := func() string {
		var b strings.Builder
		b.WriteString("body")
		for _, f := range stack {
			if f.object {
				b.WriteString("." + printable(f.key))
			} else {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return b.String()
	}
	// valueDone advances the enclosing container past one value.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].inKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out // io.EOF, or malformed JSON huma will report
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, inKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
				valueDone()
			}
		case string:
			why := ""
			if !valid && !utf8.Valid(body[start:dec.InputOffset()]) {
				why = whyInvalidUTF8
			} else if strings.IndexByte(t, 0) >= 0 {
				why = whyNUL
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].inKey {
				stack[n-1].key, stack[n-1].inKey = t, false
				if why != "" {
					out = append(out, apperr.Field(path(), "member name "+why))
				}
				continue
			}
			if why != "" {
				out = append(out, apperr.Field(path(), why))
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// writeProblem renders err as the problem response of ctx.
func (s *Server) writeProblem(ctx huma.Context, err error) {
	p := FromError(ctx.Context(), err)
	if p.Instance == "" {
		u := ctx.URL()
		p.Instance = u.Path
	}
	for k, vs := range p.headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	ctx.SetHeader("Content-Type", ProblemContentType)
	ctx.SetStatus(p.Status)
	if err := writeJSON(ctx.BodyWriter(), p); err != nil {
		markInternal(ctx.Context(), err)
	}
}
