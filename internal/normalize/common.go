package normalize

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/attack"
)

// decode unmarshals a record into v liberally: a scalar of the wrong type
// is coerced (a number or bool where text is expected becomes its text, so
// Elastic's numeric rule.id is read), and a value that cannot be coerced
// (an object where text is expected) leaves only that field empty. A
// record is never dropped over a field's type; malformed JSON is still a
// bad request naming the record.
func decode(rec record, v any) error {
	data := rec.raw
	for range 32 {
		err := json.Unmarshal(data, v)
		if err == nil {
			return nil
		}
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return jsonError(rec.loc, err)
		}
		patched, ok := quoteScalarAt(data, te)
		if !ok {
			return nil // json.Unmarshal filled every other field; the mismatched one stays zero
		}
		data = patched
	}
	return nil
}

// quoteScalarAt rewrites the number or bool literal that ends at te.Offset
// as a JSON string when te says a string was expected.
func quoteScalarAt(data []byte, te *json.UnmarshalTypeError) ([]byte, bool) {
	if te.Type == nil || te.Type.Kind() != reflect.String || (te.Value != "number" && te.Value != "bool") {
		return nil, false
	}
	end := int(te.Offset)
	if end <= 0 || end > len(data) {
		return nil, false
	}
	start := end
	for start > 0 && isLiteralByte(data[start-1]) {
		start--
	}
	if start == end {
		return nil, false
	}
	out := make([]byte, 0, len(data)+2)
	out = append(out, data[:start]...)
	out = append(out, '"')
	out = append(out, data[start:end]...)
	out = append(out, '"')
	return append(out, data[end:]...), true
}

func isLiteralByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

func jsonError(loc string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		f := loc
		if te.Field != "" {
			f = loc + "." + te.Field
		}
		return apperr.Validation("invalid field type", apperr.Field(f, fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)))
	}
	return apperr.BadRequest("malformed JSON", apperr.Field(loc, err.Error()))
}

// invalid reports an invalid field value of a record.
func invalid(rec record, field, msg string) error {
	return apperr.Validation("invalid field value", apperr.Field(rec.loc+"."+field, msg))
}

// flexString accepts a JSON string, number or bool as text.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return nil // not a scalar: left empty rather than dropping the record
	}
	*f = flexString(b)
	return nil
}

// flexFloat accepts a JSON number or a numeric string.
type flexFloat struct {
	V   float64
	Set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` {
		return nil
	}
	if len(s) > 1 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil // not a number: left unset rather than dropping the record
	}
	f.V, f.Set = v, true
	return nil
}

// clean makes s valid UTF-8 and trims it.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.TrimSpace(s)
}

// firstNonEmpty returns the first non-blank string.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700", // Suricata, Wazuh: -0400
	"2006-01-02T15:04:05.999999999",      // no zone: UTC
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006/01/02 15:04:05",
	time.RFC1123Z,
	time.RFC1123,
}

// parseTime reads common timestamp forms (RFC 3339, zone without colon,
// no zone = UTC, epoch seconds/milliseconds/microseconds as text) and
// returns UTC; zero when unparseable or out of range.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-/:") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epochTime(f)
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return sane(t)
		}
	}
	return time.Time{}
}

// epochTime converts epoch seconds, milliseconds, microseconds or
// nanoseconds (picked by magnitude) to UTC.
func epochTime(f float64) time.Time {
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}
	}
	switch {
	case f > 1e17:
		f /= 1e9
	case f > 1e14:
		f /= 1e6
	case f > 1e11:
		f /= 1e3
	}
	sec, frac := math.Modf(f)
	return sane(time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3))
}

// sane returns t in UTC, or zero outside 1970..2200.
func sane(t time.Time) time.Time {
	if t.Year() < 1970 || t.Year() > 2200 {
		return time.Time{}
	}
	return t.UTC()
}

// severityFromText maps a severity or log-level word to an OCSF id:
// info/informational/notice/debug/trace/none -> informational; low/minor ->
// low; medium/moderate/warn/warning/elevated -> medium; high/major/error/
// important/severe -> high; critical/crit/very-high/emergency/alert ->
// critical; fatal -> fatal. Digits are read as a number (see
// severityFromNumber with the 0..10 scale).
func severityFromText(s string) (alert.Severity, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "informational", "info", "information", "notice", "debug", "trace", "none", "verbose":
		return alert.SeverityInformational, true
	case "low", "minor", "lo":
		return alert.SeverityLow, true
	case "medium", "moderate", "warn", "warning", "elevated", "med":
		return alert.SeverityMedium, true
	case "high", "major", "error", "err", "important", "severe", "hi":
		return alert.SeverityHigh, true
	case "critical", "crit", "very-high", "very high", "veryhigh", "emergency", "emerg", "alert", "urgent":
		return alert.SeverityCritical, true
	case "fatal":
		return alert.SeverityFatal, true
	case "unknown", "unspecified", "severity_unspecified", "undefined", "":
		return alert.SeverityUnknown, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return severityFrom10(f), true
	}
	return alert.SeverityUnknown, false
}

// severityFrom10 maps the CEF / GuardDuty style 0..10 scale: 0-3.9 low,
// 4-6.9 medium, 7-8.9 high, 9-10 critical (0 is unknown).
func severityFrom10(f float64) alert.Severity {
	switch {
	case f <= 0:
		return alert.SeverityUnknown
	case f < 4:
		return alert.SeverityLow
	case f < 7:
		return alert.SeverityMedium
	case f < 9:
		return alert.SeverityHigh
	case f <= 10:
		return alert.SeverityCritical
	}
	return severityFrom100(f)
}

// severityFrom100 maps a 0..100 risk score: 0 unknown, 1-19 informational,
// 20-39 low, 40-59 medium, 60-79 high, 80-100 critical.
func severityFrom100(f float64) alert.Severity {
	switch {
	case f <= 0:
		return alert.SeverityUnknown
	case f < 20:
		return alert.SeverityInformational
	case f < 40:
		return alert.SeverityLow
	case f < 60:
		return alert.SeverityMedium
	case f < 80:
		return alert.SeverityHigh
	default:
		return alert.SeverityCritical
	}
}

// validSeverity reports whether s is an OCSF severity id (0-6 or 99).
func validSeverity(s alert.Severity) bool {
	return s >= alert.SeverityUnknown && s <= alert.SeverityFatal || s == alert.SeverityOther
}

var tacticNames = map[string]string{ //nolint:gosec // G101 false positive: ATT&CK tactic names
	"reconnaissance": "reconnaissance", "recon": "reconnaissance", "ta0043": "reconnaissance",
	"resourcedevelopment": "resource-development", "ta0042": "resource-development",
	"initialaccess": "initial-access", "ta0001": "initial-access",
	"execution": "execution", "ta0002": "execution",
	"persistence": "persistence", "ta0003": "persistence",
	"privilegeescalation": "privilege-escalation", "ta0004": "privilege-escalation",
	"defenseevasion": "defense-evasion", "ta0005": "defense-evasion", "stealth": "defense-evasion",
	"defenseimpairment": "defense-evasion",
	"credentialaccess":  "credential-access", "ta0006": "credential-access",
	"discovery": "discovery", "ta0007": "discovery",
	"lateralmovement": "lateral-movement", "ta0008": "lateral-movement",
	"collection": "collection", "ta0009": "collection",
	"commandandcontrol": "command-and-control", "commandcontrol": "command-and-control", "ta0011": "command-and-control",
	"c2":           "command-and-control",
	"exfiltration": "exfiltration", "ta0010": "exfiltration",
	"impact": "impact", "ta0040": "impact",
	"inhibitresponsefunction": "inhibit-response-function", "ta0107": "inhibit-response-function",
	"impairprocesscontrol": "impair-process-control", "ta0106": "impair-process-control",
}

// Tactic maps an ATT&CK tactic in any common spelling ("InitialAccess",
// "Initial Access", "initial_access", "TA0001", "attack.initial-access")
// to its kebab-case name. GuardDuty's "Stealth" and ATT&CK v18's
// "defense-impairment" map to "defense-evasion".
func Tactic(s string) (string, bool) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "attack.")
	if len(s) > 40 {
		return "", false
	}
	var b [40]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if n >= len(b) {
				return "", false
			}
			b[n] = c
			n++
		case c == '&':
			if n+3 > len(b) {
				return "", false
			}
			b[n], b[n+1], b[n+2] = 'a', 'n', 'd'
			n += 3
		}
	}
	t, ok := tacticNames[string(b[:n])]
	return t, ok
}

// Technique upper-cases and validates an ATT&CK technique id against
// ^T\d{4}(\.\d{3})?$ ("t1190" -> "T1190", "attack.t1059.001" -> "T1059.001").
// Whether the id exists is checked against the ATT&CK catalog when the
// alert is finished (unknown ids are dropped).
func Technique(s string) (string, bool) { return attack.CanonicalID(s) }

func addTactics(a *alert.Alert, names ...string) {
	for _, n := range names {
		t, ok := Tactic(n)
		if !ok || contains(a.Tactics, t) {
			continue
		}
		a.Tactics = append(a.Tactics, t)
	}
}

func addTechniques(a *alert.Alert, ids ...string) {
	for _, id := range ids {
		t, ok := Technique(id)
		if !ok || contains(a.Techniques, t) {
			continue
		}
		a.Techniques = append(a.Techniques, t)
	}
}

func addTags(a *alert.Alert, tags ...string) {
	for _, t := range tags {
		t = clean(t)
		if t == "" || len(t) > 200 || contains(a.Tags, t) {
			continue
		}
		a.Tags = append(a.Tags, t)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Quality checks a normalizer may expect. Each is documented in
// docs/normalizers.md.
const (
	qEventTime   = "event_time"  // non-zero, 1970..2200
	qSeverity    = "severity"    // OCSF 1..6 (known)
	qTitle       = "title"       // non-empty
	qDescription = "description" // non-empty
	qSourceRef   = "source_ref"  // vendor finding id present
	qRule        = "rule"        // rule id or name present
	qTactics     = "tactics"     // >= 1 valid ATT&CK tactic
	qTechniques  = "techniques"  // >= 1 valid ATT&CK technique id
	qEntities    = "entities"    // >= 1 entity
	qNetwork     = "network"     // an IP entity with role src or dst
	qHost        = "host"        // a hostname/IP entity with role host
	qUser        = "user"        // a user entity
	qHash        = "hash"        // an md5/sha1/sha256 entity
)

// quality is the share of expected checks that pass.
func quality(a *alert.Alert, expected []string) float64 {
	if len(expected) == 0 {
		return 0
	}
	ok := 0
	for _, q := range expected {
		if check(a, q) {
			ok++
		}
	}
	return math.Round(float64(ok)/float64(len(expected))*1000) / 1000
}

func check(a *alert.Alert, q string) bool {
	switch q {
	case qEventTime:
		return !a.EventTime.IsZero()
	case qSeverity:
		return a.Severity >= alert.SeverityInformational && a.Severity <= alert.SeverityFatal
	case qTitle:
		return a.Title != ""
	case qDescription:
		return a.Description != ""
	case qSourceRef:
		return a.SourceRef != ""
	case qRule:
		return a.Rule.ID != "" || a.Rule.Name != ""
	case qTactics:
		return len(a.Tactics) > 0
	case qTechniques:
		return len(a.Techniques) > 0
	case qEntities:
		return len(a.Entities) > 0
	}
	for _, e := range a.Entities {
		switch q {
		case qNetwork:
			if e.Type == alert.EntityIP && (e.Role == "src" || e.Role == "dst") {
				return true
			}
		case qHost:
			if (e.Type == alert.EntityHostname || e.Type == alert.EntityIP) && e.Role == "host" {
				return true
			}
		case qUser:
			if e.Type == alert.EntityUser {
				return true
			}
		case qHash:
			if e.Type == alert.EntityMD5 || e.Type == alert.EntitySHA1 || e.Type == alert.EntitySHA256 {
				return true
			}
		}
	}
	return false
}

// unmappedFields returns the top-level members of obj whose keys are not
// in mapped and whose values are not empty, aliasing obj.
func unmappedFields(obj []byte, mapped map[string]bool) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	forEachMember(obj, func(k, v []byte) bool {
		if mapped[string(k)] || isEmptyJSON(v) {
			return true
		}
		if out == nil {
			out = make(map[string]json.RawMessage, 8)
		}
		key := string(k)
		if strings.IndexByte(key, '\\') >= 0 {
			key = rawString([]byte(`"` + key + `"`))
		}
		out[key] = v
		return true
	})
	return out
}

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// finish fills the fields every normalizer sets the same way.
func finish(a *alert.Alert, rec record, obj []byte, mapped map[string]bool, expected []string) {
	a.Raw = json.RawMessage(rec.raw)
	if obj != nil {
		a.Unmapped = unmappedFields(obj, mapped)
	}
	if a.Status == "" {
		a.Status = alert.StatusNew
	}
	a.Title = clean(a.Title)
	a.Description = clean(a.Description)
	a.SourceRef = clean(a.SourceRef)
	a.Rule.ID, a.Rule.Name = clean(a.Rule.ID), clean(a.Rule.Name)
	a.Source.Vendor, a.Source.Product = clean(a.Source.Vendor), clean(a.Source.Product)
	mapAttack(a)
	if len(a.Title) > 1024 {
		a.Title = truncateUTF8(a.Title, 1024)
	}
	if a.Title == "" {
		a.Title = firstNonEmpty(a.Rule.Name, a.Rule.ID)
	}
	a.Quality = quality(a, expected)
	if a.Title == "" {
		a.Title = a.Source.Type + " alert"
	}
}

// mapAttack applies the ATT&CK catalog: technique ids it does not know
// are dropped, and an alert whose source named no tactic gets the tactics
// of its techniques (T1003.001 -> credential-access).
func mapAttack(a *alert.Alert) {
	if len(a.Techniques) == 0 {
		return
	}
	cat := attack.Default()
	kept := a.Techniques[:0]
	for _, t := range a.Techniques {
		if cat.Known(t) {
			kept = append(kept, t)
		}
	}
	a.Techniques = kept
	if len(a.Tactics) == 0 {
		a.Tactics = cat.TacticsOf(a.Techniques...)
	}
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func itoa(i int) string { return strconv.Itoa(i) }
