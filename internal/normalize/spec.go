package normalize

import (
	"strconv"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// specNormalizer maps one JSON source declaratively: each alert field is
// read from the first of its candidate paths that holds a value. A path
// is dotted ("httpRequest.clientIp"); a literal dotted key matches first
// ("id.orig_h"), and arrays along a path are walked ("evidence.ip" reads
// the ip of every element). Sources whose records need more than paths
// add a post function.
type specNormalizer struct{ s *spec }

// specEntity reads entities of one type and role from paths. typ
// EntityHostname accepts an IP address too (as an IP entity).
type specEntity struct {
	typ   alert.EntityType
	role  string
	paths []string
}

type spec struct {
	name, vendor, product string
	// envelopes are list keys the records may come in ({"alerts": [...]});
	// nested envelopes are written dotted ("reply.alerts").
	envelopes []string
	// inner names an object whose members are read as if they were the
	// record's own when the record lacks them (Azure Monitor "properties").
	inner string

	title, desc, ref, ruleID, ruleName, time, sev, status, tactics, techniques, tags []string
	// sevWords maps lower-case severity values before the generic scales.
	sevWords map[string]alert.Severity
	// defaultSev applies when no severity path holds a value.
	defaultSev alert.Severity
	entities   []specEntity
	scan       []string // paths whose text is scanned for IOCs (related)
	expected   []string
	// skip reports records that are valid but not alerts.
	skip func(v *view) bool
	// post adjusts the alert after the paths were read.
	post func(v *view, a *alert.Alert, es *entity.Set)
}

func (n specNormalizer) SourceType() string { return n.s.name }

func (n specNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, n.expand, n.one)
}

func (n specNormalizer) expand(r record) []record {
	var out []record
	for _, e := range n.s.envelopes {
		cur := r
		ok := true
		parts := strings.Split(e, ".")
		for i, k := range parts[:len(parts)-1] {
			v := member(cur.raw, k)
			if len(v) == 0 || v[0] != '{' {
				ok = false
				break
			}
			cur = record{raw: v, loc: cur.loc + "." + parts[i]}
		}
		if !ok {
			continue
		}
		if inner, found := unwrap(cur, parts[len(parts)-1]); found {
			out = append(out, inner...) // every envelope list present (Proofpoint TAP has four)
		}
	}
	if out == nil && !n.hasEnvelope(r) {
		return []record{r}
	}
	if out == nil {
		return []record{}
	}
	return out
}

// hasEnvelope reports whether r holds one of the spec's envelope lists (so
// an empty one yields no alert rather than the envelope itself).
func (n specNormalizer) hasEnvelope(r record) bool {
	for _, e := range n.s.envelopes {
		if v := pathDotted(r.raw, e); len(v) > 0 && v[0] == '[' {
			return true
		}
	}
	return false
}

// view reads paths of one record, remembering which top-level keys were used.
type view struct {
	rec    record
	obj    []byte
	inner  []byte
	mapped map[string]bool
}

// values returns the scalar texts at path p, in order.
func (v *view) values(p string) []string {
	out := collect(v.obj, p, nil)
	if len(out) > 0 {
		k, _, _ := strings.Cut(p, ".")
		if member(v.obj, p) != nil {
			k = p
		}
		v.mapped[k] = true
		return out
	}
	if v.inner != nil {
		return collect(v.inner, p, nil)
	}
	return nil
}

// first returns the first value of the first path that has one, and that path.
func (v *view) first(paths []string) (string, string) {
	for _, p := range paths {
		if vals := v.values(p); len(vals) > 0 {
			return vals[0], p
		}
	}
	return "", ""
}

func (v *view) str(paths ...string) string { s, _ := v.first(paths); return clean(s) }

// all returns every value of every path.
func (v *view) all(paths ...string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, v.values(p)...)
	}
	return out
}

// raw returns the raw JSON at a path (objects included), or nil.
func (v *view) raw(p string) []byte {
	if b := member(v.obj, p); b != nil {
		return b
	}
	if b := pathDotted(v.obj, p); b != nil {
		return b
	}
	if v.inner != nil {
		return pathDotted(v.inner, p)
	}
	return nil
}

// collect appends the scalars at dotted path p of obj, walking arrays.
func collect(obj []byte, p string, out []string) []string {
	if len(obj) == 0 {
		return out
	}
	if obj[0] == '[' {
		els, _ := elements(obj)
		for _, e := range els {
			out = collect(e, p, out)
		}
		return out
	}
	if obj[0] != '{' {
		return out
	}
	if v := member(obj, p); v != nil {
		return appendScalars(out, v)
	}
	k, rest, more := strings.Cut(p, ".")
	if !more {
		return out
	}
	return collect(member(obj, k), rest, out)
}

func appendScalars(out []string, v []byte) []string {
	if len(v) == 0 {
		return out
	}
	if v[0] == '[' {
		els, _ := elements(v)
		for _, e := range els {
			if s := scalar(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if s := scalar(v); s != "" {
		out = append(out, s)
	}
	return out
}

// timeOf reads an RFC 3339-like text or an epoch number.
func timeOf(s string) (t alertTime) {
	s = strings.TrimSpace(s)
	if s == "" {
		return alertTime{}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return alertTime{epochTime(f)}
	}
	return alertTime{parseTime(s)}
}

func (n specNormalizer) one(rec record) (alert.Alert, bool, error) {
	if err := validRaw(rec); err != nil {
		return alert.Alert{}, false, err
	}
	s := n.s
	v := &view{rec: rec, obj: rec.raw, mapped: make(map[string]bool, 16)}
	if s.inner != "" {
		if in := member(rec.raw, s.inner); len(in) > 0 && in[0] == '{' {
			v.inner = in
			v.mapped[s.inner] = true
		}
	}
	if s.skip != nil && s.skip(v) {
		return alert.Alert{}, false, nil
	}
	a := alert.Alert{Source: alert.Source{Type: s.name, Vendor: s.vendor, Product: s.product}}
	a.Title = v.str(s.title...)
	a.Description = v.str(s.desc...)
	if a.Description == a.Title {
		a.Description = ""
	}
	a.SourceRef = v.str(s.ref...)
	a.Rule.ID = v.str(s.ruleID...)
	a.Rule.Name = v.str(s.ruleName...)
	if t, _ := v.first(s.time); t != "" {
		a.EventTime = timeOf(t).t
	}
	a.Severity = s.defaultSev
	if sv, key := v.first(s.sev); sv != "" {
		if w, ok := s.sevWords[strings.ToLower(strings.TrimSpace(sv))]; ok {
			a.Severity = w
		} else if g := genericSeverity([]byte(strconv.Quote(sv)), key); g != alert.SeverityUnknown {
			a.Severity = g
		}
	}
	switch strings.ToLower(v.str(s.status...)) {
	case "resolved", "closed", "done", "fixed", "inactive", "dismissed_resolved":
		a.Status = alert.StatusResolved
	case "suppressed", "muted", "ignored", "archived", "dismissed":
		a.Status = alert.StatusSuppressed
	case "false_positive", "falsepositive", "false positive":
		a.Status = alert.StatusFalsePositive
	}
	addTactics(&a, v.all(s.tactics...)...)
	addTechniques(&a, v.all(s.techniques...)...)
	addTags(&a, v.all(s.tags...)...)
	var es entity.Set
	for _, e := range s.entities {
		for _, val := range v.all(e.paths...) {
			addEntity(&es, e.typ, val, e.role)
		}
	}
	if s.post != nil {
		s.post(v, &a, &es)
	}
	for _, val := range v.all(s.scan...) {
		es.Scan(val)
	}
	es.Scan(a.Title)
	es.Scan(a.Description)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, v.mapped, s.expected)
	return a, true, nil
}

type alertTime struct{ t time.Time }

// addEntity adds a value; a hostname that is an IP address becomes an IP
// entity, and "ip:port", "ip/port" and "[v6]:port" addresses lose the port.
func addEntity(es *entity.Set, typ alert.EntityType, val, role string) {
	val = strings.TrimSpace(val)
	if val == "" {
		return
	}
	switch typ {
	case alert.EntityHostname:
		if es.Add(alert.EntityIP, stripPort(val), role) {
			return
		}
		es.Add(alert.EntityHostname, val, role)
	case alert.EntityIP:
		es.Add(alert.EntityIP, stripPort(val), role)
	case alert.EntityUser:
		es.Add(alert.EntityUser, canonicalUser(val), role)
		if strings.Contains(val, "@") {
			es.Add(alert.EntityEmail, val, role)
		}
	default:
		es.Add(typ, val, role)
	}
}

// stripPort removes a trailing port written ip:port (IPv4), ip/port
// (Cisco ASA, Snort) or [v6]:port.
func stripPort(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			return s[1:i]
		}
	}
	if i := strings.LastIndexAny(s, ":/"); i > 0 && strings.Count(s, ":") <= 1 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			return s[:i]
		}
	}
	return s
}

// canonicalUser writes one account one way: Wazuh's "root(uid=0)" and
// Linux "uid=0(root)" become "root".
func canonicalUser(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "(uid="); i > 0 && strings.HasSuffix(s, ")") {
		return s[:i]
	}
	if strings.HasPrefix(s, "uid=") {
		if i, j := strings.IndexByte(s, '('), strings.IndexByte(s, ')'); i > 0 && j > i {
			return s[i+1 : j]
		}
	}
	return s
}
