package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TAXIIMediaType is the TAXII 2.1 media type (requests and responses).
const TAXIIMediaType = "application/taxii+json;version=2.1"

// taxiiDiscovery is a TAXII 2.1 discovery resource.
type taxiiDiscovery struct {
	Title    string   `json:"title"`
	Default  string   `json:"default"`
	APIRoots []string `json:"api_roots"`
	// Versions is set when the URL is an API root itself.
	Versions []string `json:"versions"`
}

// TAXIICollection is a TAXII 2.1 collection resource.
type TAXIICollection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// taxiiEnvelope is a TAXII 2.1 envelope (the objects endpoint's body).
type taxiiEnvelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

// Headers of the TAXII 2.1 objects endpoint.
const (
	headerDateAddedFirst = "X-TAXII-Date-Added-First"
	headerDateAddedLast  = "X-TAXII-Date-Added-Last"
)

// resolve returns ref relative to base (TAXII allows relative API roots).
func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("intel: TAXII URL %q: %w", base, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("intel: TAXII URL %q: %w", ref, err)
	}
	out := b.ResolveReference(r)
	if out.Scheme != "https" && out.Scheme != "http" {
		return "", fmt.Errorf("intel: TAXII URL %q: not http(s)", ref)
	}
	s := out.String()
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}

func (ru *run) taxiiGet(ctx context.Context, u string, v any) (*fetched, error) {
	f, err := ru.do(ctx, http.MethodGet, u, TAXIIMediaType, nil, false)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(f.body, v); err != nil {
		return nil, fmt.Errorf("intel: TAXII response of %s: %w", redactURL(u), err)
	}
	return f, nil
}

// taxiiRoot finds the API root: the configured one, else the discovery
// resource's default (or its first API root), else the feed URL itself
// when it is an API root.
func (ru *run) taxiiRoot(ctx context.Context) (string, error) {
	cfg := ru.st.feed.Config.TAXII
	if cfg != nil && cfg.APIRoot != "" {
		return resolve(ru.st.feed.URL, cfg.APIRoot)
	}
	var d taxiiDiscovery
	if _, err := ru.taxiiGet(ctx, ru.st.feed.URL, &d); err != nil {
		return "", err
	}
	switch {
	case d.Default != "":
		return resolve(ru.st.feed.URL, d.Default)
	case len(d.APIRoots) > 0:
		return resolve(ru.st.feed.URL, d.APIRoots[0])
	case len(d.Versions) > 0:
		return resolve(ru.st.feed.URL, ru.st.feed.URL)
	}
	return "", fmt.Errorf("intel: TAXII discovery at %s names no API root", redactURL(ru.st.feed.URL))
}

// taxiiCollection picks the configured collection (which must be
// readable) or the first readable one.
func (ru *run) taxiiCollection(ctx context.Context, root string) (string, error) {
	var cs struct {
		Collections []TAXIICollection `json:"collections"`
	}
	if _, err := ru.taxiiGet(ctx, root+"collections/", &cs); err != nil {
		return "", err
	}
	want := ""
	if cfg := ru.st.feed.Config.TAXII; cfg != nil {
		want = cfg.CollectionID
	}
	for _, c := range cs.Collections {
		if (want == "" || c.ID == want) && c.CanRead {
			return c.ID, nil
		}
	}
	if want != "" {
		return "", fmt.Errorf("intel: TAXII collection %q is not readable at %s", want, redactURL(root))
	}
	return "", fmt.Errorf("intel: no readable TAXII collection at %s", redactURL(root))
}

// pullTAXII syncs the collection incrementally: objects added after the
// feed's cursor, page by page (limit; the server's next token, else
// added_after moved to the page's X-TAXII-Date-Added-Last), each page's
// indicators stored with the new cursor in one transaction, so a run cut
// short resumes where it stopped.
func (ru *run) pullTAXII(ctx context.Context) error {
	root, err := ru.taxiiRoot(ctx)
	if err != nil {
		return err
	}
	coll, err := ru.taxiiCollection(ctx, root)
	if err != nil {
		return err
	}
	page, maxPages, _ := ru.r.limits()
	objects := root + "collections/" + url.PathEscape(coll) + "/objects/"
	cursor, next := ru.st.feed.Cursor, ""
	for range maxPages {
		q := url.Values{"limit": {strconv.Itoa(page)}}
		if cursor != "" {
			q.Set("added_after", cursor)
		}
		if next != "" {
			q.Set("next", next)
		}
		var env taxiiEnvelope
		f, err := ru.taxiiGet(ctx, objects+"?"+q.Encode(), &env)
		if err != nil {
			return err
		}
		last := f.header.Get(headerDateAddedLast)
		var inds []Indicator
		if len(env.Objects) > 0 {
			bundle, err := json.Marshal(struct {
				Type    string            `json:"type"`
				ID      string            `json:"id"`
				Objects []json.RawMessage `json:"objects"`
			}{"bundle", "bundle--taxii", env.Objects})
			if err != nil {
				return fmt.Errorf("intel: TAXII page: %w", err)
			}
			if inds, _, err = ParseSTIX(bundle); err != nil {
				return fmt.Errorf("intel: TAXII page: %w", err)
			}
		}
		newCursor := laterTimestamp(cursor, last)
		if err := ru.store(ctx, inds, ru.saveCursor(newCursor)); err != nil {
			return err
		}
		if !env.More || len(env.Objects) == 0 {
			return nil
		}
		switch {
		case env.Next != "":
			next = env.Next
		case newCursor != cursor:
			next = ""
		default:
			return fmt.Errorf("intel: TAXII server said more without next or %s", headerDateAddedLast)
		}
		if env.Next == "" {
			cursor = newCursor
		}
	}
	return nil
}

// laterTimestamp returns the later of two RFC 3339 timestamps (compared as
// times: fractional seconds do not sort as text); an unparsable b loses.
func laterTimestamp(a, b string) string {
	tb, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		return a
	}
	ta, err := time.Parse(time.RFC3339Nano, a)
	if err != nil || tb.After(ta) {
		return b
	}
	return a
}
