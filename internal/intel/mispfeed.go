package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// mispTimestamp reads a MISP timestamp (a string or number of unix
// seconds).
func mispTimestamp(raw json.RawMessage) int64 {
	s := strings.Trim(string(raw), `"`)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// pullMISPFeed reads a MISP feed directory: manifest.json (conditional
// request) lists the events with their timestamps; events newer than the
// cursor (the newest timestamp stored) are fetched, oldest first, at most
// MaxPages per run, each stored with the advanced cursor.
func (ru *run) pullMISPFeed(ctx context.Context) error {
	base := strings.TrimSuffix(ru.st.feed.URL, "manifest.json")
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	f, err := ru.do(ctx, http.MethodGet, base+"manifest.json", "application/json", nil, true)
	if err != nil {
		return err
	}
	if f.status == http.StatusNotModified {
		ru.notModified = true
		return nil
	}
	var manifest map[string]struct {
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if err := json.Unmarshal(f.body, &manifest); err != nil {
		return fmt.Errorf("intel: MISP feed manifest: %w", err)
	}
	since, _ := strconv.ParseInt(ru.st.feed.Cursor, 10, 64)
	type ev struct {
		uuid string
		ts   int64
	}
	var due []ev
	for id, m := range manifest {
		if ts := mispTimestamp(m.Timestamp); ts > since {
			due = append(due, ev{id, ts})
		}
	}
	slices.SortFunc(due, func(a, b ev) int {
		if a.ts != b.ts {
			return int(a.ts - b.ts)
		}
		return strings.Compare(a.uuid, b.uuid)
	})
	_, maxEvents, _ := ru.r.limits()
	complete := len(due) <= maxEvents
	if !complete {
		due = due[:maxEvents]
	}
	for _, e := range due {
		if strings.ContainsAny(e.uuid, "/?#\\") {
			continue
		}
		ef, err := ru.do(ctx, http.MethodGet, base+url.PathEscape(e.uuid)+".json", "application/json", nil, false)
		if err != nil {
			return err
		}
		inds, _, err := ParseMISP(ef.body)
		if err != nil {
			return fmt.Errorf("intel: MISP feed event %s: %w", e.uuid, err)
		}
		if err := ru.store(ctx, inds, ru.saveCursor(strconv.FormatInt(e.ts, 10))); err != nil {
			return err
		}
	}
	if !complete {
		// Not every event was read: the manifest must be fetched again next
		// time even if unchanged.
		ru.etag, ru.lastModified = "", ""
	} else {
		ru.etag, ru.lastModified = f.header.Get("ETag"), f.header.Get("Last-Modified")
	}
	return nil
}

// pullMISPAPI queries a MISP instance's /attributes/restSearch page by
// page: the first run as far back as config last (or everything), later
// runs for attributes changed since the newest timestamp stored.
func (ru *run) pullMISPAPI(ctx context.Context) error {
	cfg := ru.st.feed.Config.MISP
	if cfg == nil {
		cfg = &MISPConfig{Mode: MISPModeAPI}
	}
	endpoint := strings.TrimSuffix(ru.st.feed.URL, "/") + "/attributes/restSearch"
	page, maxPages, _ := ru.r.limits()
	since, _ := strconv.ParseInt(ru.st.feed.Cursor, 10, 64)
	newest := since
	for p := 1; p <= maxPages; p++ {
		q := map[string]any{"returnFormat": "json", "limit": page, "page": p, "includeEventTags": true}
		if cfg.ToIDsOnly {
			q["to_ids"] = true
		}
		if len(cfg.Tags) > 0 {
			q["tags"] = cfg.Tags
		}
		if since > 0 {
			q["timestamp"] = since + 1
		} else if cfg.Last != "" {
			q["last"] = cfg.Last
		}
		body, err := json.Marshal(q)
		if err != nil {
			return fmt.Errorf("intel: MISP query: %w", err)
		}
		f, err := ru.do(ctx, http.MethodPost, endpoint, "application/json", body, false)
		if err != nil {
			return err
		}
		var resp struct {
			Response struct {
				Attribute []json.RawMessage `json:"Attribute"`
			} `json:"response"`
		}
		if err := json.Unmarshal(f.body, &resp); err != nil {
			return fmt.Errorf("intel: MISP restSearch response: %w", err)
		}
		attrs := resp.Response.Attribute
		for _, a := range attrs {
			var ts struct {
				Timestamp json.RawMessage `json:"timestamp"`
			}
			if json.Unmarshal(a, &ts) == nil {
				newest = max(newest, mispTimestamp(ts.Timestamp))
			}
		}
		var inds []Indicator
		if len(attrs) > 0 {
			doc, err := json.Marshal(map[string]map[string][]json.RawMessage{"Event": {"Attribute": attrs}})
			if err != nil {
				return fmt.Errorf("intel: MISP attributes: %w", err)
			}
			if inds, _, err = ParseMISP(doc); err != nil {
				return fmt.Errorf("intel: MISP attributes: %w", err)
			}
		}
		done := len(attrs) < page
		// The cursor moves only once every page of this query is stored
		// (attributes are not returned in timestamp order).
		var extra = ru.saveCursor(ru.st.feed.Cursor)
		if done {
			extra = ru.saveCursor(strconv.FormatInt(newest, 10))
		}
		if err := ru.store(ctx, inds, extra); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return nil
}
