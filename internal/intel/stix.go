package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/entity"
)

// Well-known STIX marking-definition ids of the TLP levels (TLP 1.0 as
// published with STIX 2.1, and TLP 2.0).
var tlpMarkings = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}

type stixObject struct {
	Type              string            `json:"type"`
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Pattern           string            `json:"pattern"`
	PatternType       string            `json:"pattern_type"`
	IndicatorTypes    []string          `json:"indicator_types"`
	Labels            []string          `json:"labels"`
	Confidence        *int              `json:"confidence"`
	Created           time.Time         `json:"created"`
	Modified          time.Time         `json:"modified"`
	ValidFrom         time.Time         `json:"valid_from"`
	ValidUntil        *time.Time        `json:"valid_until"`
	Revoked           bool              `json:"revoked"`
	ObjectMarkingRefs []string          `json:"object_marking_refs"`
	KillChainPhases   []killChainPhase  `json:"kill_chain_phases"`
	ExternalRefs      []externalRef     `json:"external_references"`
	Value             string            `json:"value"`
	Hashes            map[string]string `json:"hashes"`
	// marking-definition objects
	DefinitionType string          `json:"definition_type"`
	Definition     json.RawMessage `json:"definition"`
}

// decodeBundle decodes a bundle's objects in one streaming pass (each
// object straight into its struct, the input validated once), or raw as
// one object when it is not a bundle.
func decodeBundle(raw []byte) ([]stixObject, error) {
	bad := func(err error) error {
		return apperr.BadRequest("invalid STIX bundle", apperr.Field("body", err.Error()))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, bad(errors.New("not a JSON object"))
	}
	var objs []stixObject
	typ := ""
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		switch key, _ := tok.(string); key {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return nil, bad(err)
			}
		case "objects":
			if objs, err = decodeObjects(dec, len(raw)/300); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, bad(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, bad(errors.New("data after the bundle"))
	}
	if typ == "bundle" {
		return objs, nil
	}
	var o stixObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, apperr.Validation("invalid STIX object", apperr.Field("body", err.Error()))
	}
	return []stixObject{o}, nil
}

// decodeObjects decodes the objects array (null is none); hint is the
// expected number of objects.
func decodeObjects(dec *json.Decoder, hint int) ([]stixObject, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, apperr.BadRequest("invalid STIX bundle", apperr.Field("body.objects", err.Error()))
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, apperr.Validation("invalid STIX bundle", apperr.Field("body.objects", "not an array"))
	}
	// hint (a few hundred bytes an object) saves regrowing a large slice.
	objs := make([]stixObject, 0, min(hint, 200000))
	for i := 0; dec.More(); i++ {
		objs = append(objs, stixObject{})
		if err := dec.Decode(&objs[i]); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, apperr.BadRequest("invalid STIX bundle", apperr.Field(fmt.Sprintf("body.objects[%d]", i), err.Error()))
			}
			return nil, apperr.Validation("invalid STIX object", apperr.Field(fmt.Sprintf("body.objects[%d]", i), err.Error()))
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, apperr.BadRequest("invalid STIX bundle", apperr.Field("body.objects", err.Error()))
	}
	return objs, nil
}

type killChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

type externalRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id"`
}

// ParseSTIX reads a STIX 2.1 bundle (or one object) into indicators with
// their context: confidence, TLP (from object markings), validity, tags
// (indicator types and labels), ATT&CK ids (external references), the
// description and the original STIX id. Indicator patterns yield one
// indicator per equality comparison; cyber-observable objects (ipv4-addr,
// domain-name, url, email-addr, file hashes) yield their values. Revoked
// indicators and patterns with no concrete value are skipped and counted.
// Malformed JSON is a bad request naming the object.
func ParseSTIX(raw []byte) ([]Indicator, ParseStats, error) {
	var st ParseStats
	decoded, err := decodeBundle(raw)
	if err != nil {
		return nil, st, err
	}
	markings := map[string]string{}
	for i := range decoded {
		if o := &decoded[i]; o.Type == "marking-definition" {
			if tlp := markingTLP(o); tlp != "" {
				markings[o.ID] = tlp
			}
		}
	}
	var out []Indicator
	for i := range decoded {
		o := &decoded[i]
		switch o.Type {
		case "indicator":
			st.Objects++
			if o.Revoked || (o.PatternType != "" && o.PatternType != "stix") {
				st.Skipped++
				continue
			}
			vals := entity.PatternIndicators(o.Pattern)
			n := 0
			for _, v := range vals {
				t, ok := FromEntityType(v.Type, v.Value)
				if !ok {
					continue
				}
				out = append(out, stixContext(o, t, v.Value, markings))
				n++
			}
			if n == 0 {
				st.Skipped++
			}
		case "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr":
			st.Objects++
			t := map[string]Type{"ipv4-addr": TypeIPv4, "ipv6-addr": TypeIPv6, "domain-name": TypeDomain, "url": TypeURL, "email-addr": TypeEmail}[o.Type]
			if (t == TypeIPv4 || t == TypeIPv6) && strings.Contains(o.Value, "/") {
				t = TypeCIDR
			}
			out = append(out, stixContext(o, t, o.Value, markings))
		case "file":
			st.Objects++
			for k, v := range o.Hashes {
				var t Type
				switch strings.ToLower(strings.ReplaceAll(k, "-", "")) {
				case "md5":
					t = TypeMD5
				case "sha1":
					t = TypeSHA1
				case "sha256":
					t = TypeSHA256
				default:
					continue
				}
				out = append(out, stixContext(o, t, v, markings))
			}
		}
	}
	return out, st, nil
}

// ParseStats counts what a parser read.
type ParseStats struct {
	// Objects is the number of indicator-bearing objects read.
	Objects int `json:"objects"`
	// Skipped objects had no matchable value (regular expressions,
	// unsupported object types, revoked, not to_ids-relevant).
	Skipped int `json:"skipped"`
}

func markingTLP(o *stixObject) string {
	if o.DefinitionType == "tlp" {
		var d struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(o.Definition, &d) == nil && d.TLP != "" {
			return normalizeTLP(d.TLP)
		}
	}
	if n := strings.ToLower(o.Name); strings.HasPrefix(n, "tlp:") {
		return normalizeTLP(n[4:])
	}
	return ""
}

func normalizeTLP(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(s), "tlp:")))
	if s == "white" {
		s = "clear"
	}
	if ValidMarking(s) {
		return s
	}
	return ""
}

func stixContext(o *stixObject, t Type, value string, markings map[string]string) Indicator {
	ind := Indicator{Type: t, Value: value, Detect: true, STIXID: o.ID, Description: o.Description}
	if ind.Description == "" {
		ind.Description = o.Name
	}
	if o.Confidence != nil {
		ind.Confidence = min(max(*o.Confidence, 1), 100)
	}
	for _, ref := range o.ObjectMarkingRefs {
		if tlp, ok := markings[ref]; ok {
			ind.TLP = tlp
		} else if tlp, ok := tlpMarkings[ref]; ok {
			ind.TLP = tlp
		}
	}
	switch {
	case !o.ValidFrom.IsZero():
		ind.FirstSeen = o.ValidFrom.UTC()
	case !o.Created.IsZero():
		ind.FirstSeen = o.Created.UTC()
	}
	if !o.Modified.IsZero() {
		ind.LastSeen = o.Modified.UTC()
	}
	if o.ValidUntil != nil {
		u := o.ValidUntil.UTC()
		ind.ValidUntil = &u
	}
	ind.Tags = append(append([]string(nil), o.IndicatorTypes...), o.Labels...)
	for _, r := range o.ExternalRefs {
		if r.SourceName == "mitre-attack" && strings.HasPrefix(r.ExternalID, "T") {
			ind.Attack = append(ind.Attack, r.ExternalID)
		}
	}
	return ind
}

// ParseMISP reads a MISP event, bare event or search response into
// indicators: attributes and object attributes (composite types split),
// Detect from to_ids, tags from the event and attribute (a tlp: tag sets
// the TLP).
func ParseMISP(raw []byte) ([]Indicator, ParseStats, error) {
	var st ParseStats
	vals, err := entity.ParseMISP(raw)
	if err != nil {
		return nil, st, err
	}
	out := make([]Indicator, 0, len(vals))
	for _, v := range vals {
		st.Objects++
		t, ok := FromEntityType(v.Type, v.Value)
		if !ok {
			st.Skipped++
			continue
		}
		ind := Indicator{Type: t, Value: v.Value, Detect: v.Detect, STIXID: v.SourceID, Description: v.Name}
		for _, l := range v.Labels {
			if tlp := normalizeTLP(l); strings.HasPrefix(strings.ToLower(l), "tlp:") && tlp != "" {
				ind.TLP = tlp
				continue
			}
			ind.Tags = append(ind.Tags, l)
		}
		out = append(out, ind)
	}
	return out, st, nil
}
