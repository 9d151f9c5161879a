package entity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
)

// Indicator is one threat-intel observable value taken from a STIX bundle
// or a MISP event.
type Indicator struct {
	// Type is the entity type of Value (alert.EntityIP, TypeCIDR, ...).
	Type alert.EntityType `json:"type"`
	// Value is canonical (see Canonical).
	Value string `json:"value"`
	// SourceID is the STIX object id or the MISP attribute uuid.
	SourceID string `json:"source_id,omitempty"`
	// Name is the STIX indicator name or the MISP event info.
	Name string `json:"name,omitempty"`
	// Labels are STIX indicator_types/labels or MISP tags.
	Labels []string `json:"labels,omitempty"`
	// Detect is false for MISP attributes not flagged to_ids.
	Detect bool `json:"detect"`
}

type stixBundle struct {
	Type    string            `json:"type"`
	Objects []json.RawMessage `json:"objects"`
}

type stixObject struct {
	Type           string            `json:"type"`
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Pattern        string            `json:"pattern"`
	PatternType    string            `json:"pattern_type"`
	IndicatorTypes []string          `json:"indicator_types"`
	Labels         []string          `json:"labels"`
	Value          string            `json:"value"`
	Hashes         map[string]string `json:"hashes"`
}

// ParseSTIX reads a STIX 2.x bundle (or a single object) and returns the
// concrete indicator values: equality comparisons in STIX patterns
// ("[ipv4-addr:value = '198.51.100.1']", file hashes, domains, URLs,
// e-mail addresses, registry keys) and cyber-observable objects (ipv4-addr,
// domain-name, url, file hashes...). MATCHES/LIKE comparisons are regular
// expressions, not values, and are skipped. Malformed JSON is a bad request.
func ParseSTIX(raw []byte) ([]Indicator, error) {
	var b stixBundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, apperr.BadRequest("invalid STIX bundle", apperr.Field("body", err.Error()))
	}
	objs := b.Objects
	if b.Type != "bundle" {
		objs = []json.RawMessage{raw}
	}
	var out []Indicator
	for i, r := range objs {
		var o stixObject
		if err := json.Unmarshal(r, &o); err != nil {
			return nil, apperr.Validation("invalid STIX object",
				apperr.Field(fmt.Sprintf("body.objects[%d]", i), err.Error()))
		}
		labels := append(o.IndicatorTypes, o.Labels...)
		switch o.Type {
		case "indicator":
			if o.PatternType != "" && o.PatternType != "stix" {
				continue
			}
			n := len(out)
			for _, c := range stixComparisons(o.Pattern) {
				if ind, ok := stixIndicator(c.path, c.value); ok {
					ind.SourceID, ind.Name, ind.Labels, ind.Detect = o.ID, o.Name, labels, true
					out = append(out, ind)
				}
			}
			if len(out) == n && strings.TrimSpace(o.Pattern) != "" {
				// No concrete value (regex or unsupported object): keep the
				// pattern itself so nothing is dropped silently.
				out = append(out, Indicator{Type: TypeSTIXPattern, Value: strings.TrimSpace(o.Pattern),
					SourceID: o.ID, Name: o.Name, Labels: labels, Detect: true})
			}
		case "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr":
			if ind, ok := stixIndicator(o.Type+":value", o.Value); ok {
				ind.SourceID, ind.Labels = o.ID, labels
				out = append(out, ind)
			}
		case "file":
			for k, v := range o.Hashes {
				if ind, ok := stixIndicator("file:hashes."+k, v); ok {
					ind.SourceID, ind.Name = o.ID, o.Name
					out = append(out, ind)
				}
			}
		}
	}
	return out, nil
}

type stixComparison struct{ path, value string }

// stixComparisons extracts "object-path = 'value'" comparisons from a STIX
// pattern. Quotes inside values are escaped as \' and backslashes as \\;
// quoted path segments (file:hashes.'SHA-256') are part of the path.
func stixComparisons(p string) []stixComparison {
	var out []stixComparison
	start := 0 // start of the current comparison's left-hand side
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '[', '(', ')', ']':
			start = i + 1
			continue
		case '\'':
		default:
			continue
		}
		// Is this quote a path segment (preceded by '.') or a value?
		if i > 0 && p[i-1] == '.' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return out
			}
			i += j + 1
			continue
		}
		var val strings.Builder
		j := i + 1
		closed := false
		for j < len(p) {
			c := p[j]
			if c == '\\' && j+1 < len(p) {
				val.WriteByte(p[j+1])
				j += 2
				continue
			}
			if c == '\'' {
				closed = true
				break
			}
			val.WriteByte(c)
			j++
		}
		if !closed {
			return out
		}
		lhs := strings.TrimSpace(p[start:i])
		for _, kw := range []string{"AND ", "OR ", "FOLLOWEDBY "} {
			lhs = strings.TrimSpace(strings.TrimPrefix(lhs, kw))
		}
		if strings.HasSuffix(lhs, "=") && !strings.HasSuffix(lhs, "!=") {
			out = append(out, stixComparison{path: strings.TrimSpace(strings.TrimSuffix(lhs, "=")), value: val.String()})
		}
		i = j
		start = j + 1
	}
	return out
}

func stixIndicator(path, value string) (Indicator, bool) {
	path = strings.ToLower(strings.ReplaceAll(path, "'", ""))
	var t alert.EntityType
	switch path {
	case "ipv4-addr:value", "ipv6-addr:value":
		t = alert.EntityIP
		if strings.Contains(value, "/") {
			t = TypeCIDR
		}
	case "domain-name:value":
		t = alert.EntityDomain
	case "url:value":
		t = alert.EntityURL
	case "email-addr:value", "email-message:from_ref.value", "email-message:sender_ref.value":
		t = alert.EntityEmail
	case "file:hashes.md5":
		t = alert.EntityMD5
	case "file:hashes.sha-1", "file:hashes.sha1":
		t = alert.EntitySHA1
	case "file:hashes.sha-256", "file:hashes.sha256":
		t = alert.EntitySHA256
	case "file:name":
		t = alert.EntityFile
	case "process:name":
		t = alert.EntityProcess
	case "user-account:user_id", "user-account:account_login":
		t = alert.EntityUser
	case "windows-registry-key:key":
		t = TypeRegistryKey
	default:
		return Indicator{}, false
	}
	v, ok := Canonical(t, value)
	if !ok {
		return Indicator{}, false
	}
	return Indicator{Type: t, Value: v}, true
}

type mispDoc struct {
	Event    *mispEvent `json:"Event"`
	Response []mispDoc  `json:"response"`
}

type mispEvent struct {
	UUID      string          `json:"uuid"`
	Info      string          `json:"info"`
	Attribute []mispAttribute `json:"Attribute"`
	Object    []struct {
		Attribute []mispAttribute `json:"Attribute"`
	} `json:"Object"`
	Tag []mispTag `json:"Tag"`
}

type mispAttribute struct {
	UUID  string          `json:"uuid"`
	Type  string          `json:"type"`
	Value string          `json:"value"`
	ToIDs json.RawMessage `json:"to_ids"`
	Tag   []mispTag       `json:"Tag"`
}

type mispTag struct {
	Name string `json:"name"`
}

// ParseMISP reads a MISP event ({"Event": {...}}), a bare event object, or
// a search response ({"response": [{"Event": ...}]}) and returns the
// indicator values of its attributes and object attributes. Composite types
// ("filename|md5", "domain|ip", "ip-dst|port") yield one indicator per part
// that has an entity type. Context-only types (link, comment, text) are
// skipped.
func ParseMISP(raw []byte) ([]Indicator, error) {
	var d mispDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, apperr.BadRequest("invalid MISP event", apperr.Field("body", err.Error()))
	}
	events := make([]*mispEvent, 0, 1)
	switch {
	case d.Event != nil:
		events = append(events, d.Event)
	case len(d.Response) > 0:
		for _, r := range d.Response {
			if r.Event != nil {
				events = append(events, r.Event)
			}
		}
	default:
		var e mispEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, apperr.BadRequest("invalid MISP event", apperr.Field("body", err.Error()))
		}
		if e.Attribute == nil && e.Object == nil {
			return nil, apperr.Validation("not a MISP event", apperr.Field("body.Event", "missing"))
		}
		events = append(events, &e)
	}
	var out []Indicator
	for _, e := range events {
		tags := tagNames(e.Tag)
		attrs := e.Attribute
		for _, o := range e.Object {
			attrs = append(attrs, o.Attribute...)
		}
		for _, a := range attrs {
			labels := tags
			if len(a.Tag) > 0 {
				labels = append(append([]string(nil), tags...), tagNames(a.Tag)...)
			}
			detect := !bytes.Equal(a.ToIDs, []byte("false")) && !bytes.Equal(a.ToIDs, []byte(`"0"`)) &&
				!bytes.Equal(a.ToIDs, []byte("0"))
			types := strings.Split(a.Type, "|")
			values := strings.SplitN(a.Value, "|", len(types))
			for k, typ := range types {
				if k >= len(values) {
					break
				}
				t, ok := mispType(typ)
				if !ok {
					continue
				}
				v, ok := Canonical(t, values[k])
				if !ok {
					continue
				}
				out = append(out, Indicator{Type: t, Value: v, SourceID: a.UUID, Name: e.Info, Labels: labels, Detect: detect})
			}
		}
	}
	return out, nil
}

func tagNames(ts []mispTag) []string {
	if len(ts) == 0 {
		return nil
	}
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func mispType(t string) (alert.EntityType, bool) {
	switch t {
	case "ip-src", "ip-dst", "ip":
		return alert.EntityIP, true
	case "domain":
		return alert.EntityDomain, true
	case "hostname":
		return alert.EntityHostname, true
	case "url", "uri":
		return alert.EntityURL, true
	case "email", "email-src", "email-dst":
		return alert.EntityEmail, true
	case "md5":
		return alert.EntityMD5, true
	case "sha1":
		return alert.EntitySHA1, true
	case "sha256":
		return alert.EntitySHA256, true
	case "filename":
		return alert.EntityFile, true
	case "regkey":
		return TypeRegistryKey, true
	case "target-user", "user-account", "username":
		return alert.EntityUser, true
	}
	return "", false
}

// PatternIndicators returns the concrete values of a STIX pattern's
// equality comparisons ("[ipv4-addr:value = '198.51.100.1']"), typed and
// canonical; MATCHES/LIKE and unsupported object paths yield nothing.
func PatternIndicators(pattern string) []Indicator {
	var out []Indicator
	for _, c := range stixComparisons(pattern) {
		if ind, ok := stixIndicator(c.path, c.value); ok {
			out = append(out, ind)
		}
	}
	return out
}
