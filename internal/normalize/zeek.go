package normalize

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// zeekNormalizer maps Zeek notice.log, intel.log (indicator hits) and
// weird.log records, in JSON (one per line) or in Zeek's TSV format (a
// "#fields" header). Records of other logs (conn, dns, http...) are not
// alerts and are skipped.
type zeekNormalizer struct{}

func (zeekNormalizer) SourceType() string { return "zeek" }

type zeekNotice struct {
	TS       flexFloat  `json:"ts"`
	UID      string     `json:"uid"`
	OrigH    string     `json:"id.orig_h"`
	RespH    string     `json:"id.resp_h"`
	Note     string     `json:"note"`
	Msg      string     `json:"msg"`
	Sub      string     `json:"sub"`
	Src      string     `json:"src"`
	Dst      string     `json:"dst"`
	FUID     string     `json:"fuid"`
	Actions  []string   `json:"actions"`
	Proto    flexString `json:"proto"`
	PeerDesc string     `json:"peer_descr"`
	// intel.log
	Indicator     string   `json:"seen.indicator"`
	IndicatorType string   `json:"seen.indicator_type"`
	Where         string   `json:"seen.where"`
	Matched       []string `json:"matched"`
	Sources       []string `json:"sources"`
	Seen          *struct {
		Indicator     string `json:"indicator"`
		IndicatorType string `json:"indicator_type"`
		Where         string `json:"where"`
	} `json:"seen"`
	FileDesc string `json:"file_desc"`
	// weird.log
	Name   string `json:"name"`
	Addl   string `json:"addl"`
	Peer   string `json:"peer"`
	Source string `json:"source"`
}

var zeekMapped = set("ts", "uid", "id.orig_h", "id.resp_h", "note", "msg", "sub", "src", "dst", "actions",
	"seen.indicator", "seen.indicator_type", "seen.where", "seen", "matched", "sources", "name", "addl")

var zeekExpected = []string{qEventTime, qSeverity, qTitle, qRule, qNetwork}

// zeekNotes maps notice types (or their module prefix) to severity, tactic
// and technique. Unlisted notices are low.
var zeekNotes = map[string]struct {
	sev       alert.Severity
	tactic    string
	technique string
}{
	"SSH::Password_Guessing":         {alert.SeverityMedium, "credential-access", "T1110"},
	"SSH::Login_By_Password_Guesser": {alert.SeverityHigh, "credential-access", "T1110"},
	"Scan::":                         {alert.SeverityMedium, "discovery", "T1046"},
	"SSL::Invalid_Server_Cert":       {alert.SeverityLow, "", ""},
	"CaptureLoss::":                  {alert.SeverityInformational, "", ""},
	"Weird::":                        {alert.SeverityInformational, "", ""},
	"Intel::":                        {alert.SeverityHigh, "", ""},
	"TeamCymruMalwareHashRegistry::": {alert.SeverityHigh, "execution", "T1204"},
	"HTTP::SQL_Injection_Attacker":   {alert.SeverityHigh, "initial-access", "T1190"},
	"HTTP::SQL_Injection_Victim":     {alert.SeverityHigh, "initial-access", "T1190"},
	"FTP::Bruteforcing":              {alert.SeverityMedium, "credential-access", "T1110"},
	"DNS::External_Name":             {alert.SeverityLow, "", ""},
}

func (n zeekNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	if isZeekTSV(raw) {
		return n.normalizeTSV(raw)
	}
	return normalizeJSON(raw, envelopes(), n.one)
}

func (zeekNormalizer) one(rec record) (alert.Alert, bool, error) {
	var z zeekNotice
	if err := decode(rec, &z); err != nil {
		return alert.Alert{}, false, err
	}
	if z.Seen != nil && z.Indicator == "" {
		z.Indicator, z.IndicatorType, z.Where = z.Seen.Indicator, z.Seen.IndicatorType, z.Seen.Where
	}
	switch {
	case z.Note != "":
	case z.Indicator != "":
		return zeekIntel(rec, z), true, nil
	case z.Name != "" && (z.UID != "" || z.TS.Set):
		return zeekWeird(rec, z), true, nil
	case z.TS.Set && (z.UID != "" || member(rec.raw, "id.orig_h") != nil || member(rec.raw, "_path") != nil):
		return alert.Alert{}, false, nil // conn, dns, http... records: not alerts
	default:
		return alert.Alert{}, false, invalid(rec, "note", "required: a notice (note), intel (seen.indicator) or weird (name) record")
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "zeek", Vendor: "Zeek", Product: "Zeek"},
		Title:       firstNonEmpty(z.Msg, z.Note),
		Description: z.Sub,
		Rule:        alert.Rule{ID: z.Note, Name: z.Note},
		SourceRef:   z.UID,
		Severity:    alert.SeverityLow,
	}
	if z.TS.Set {
		a.EventTime = epochTime(z.TS.V)
	}
	info, ok := zeekNotes[z.Note]
	if !ok {
		if mod, _, found := strings.Cut(z.Note, "::"); found {
			info, ok = zeekNotes[mod+"::"]
		}
	}
	if ok {
		a.Severity = info.sev
		if info.tactic != "" {
			a.Tactics = []string{info.tactic}
			a.Techniques = []string{info.technique}
		}
	}
	addTags(&a, z.Actions...)
	var es entity.Set
	es.Add(alert.EntityIP, z.Src, entity.RoleSrc)
	es.Add(alert.EntityIP, z.OrigH, entity.RoleSrc)
	es.Add(alert.EntityIP, z.Dst, entity.RoleDst)
	es.Add(alert.EntityIP, z.RespH, entity.RoleDst)
	es.Scan(z.Msg)
	es.Scan(z.Sub)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, zeekMapped, zeekExpected)
	return a, true, nil
}

// zeekIntelTypes maps Intel::* indicator types to entity types.
var zeekIntelTypes = map[string]alert.EntityType{"Intel::ADDR": alert.EntityIP, "Intel::DOMAIN": alert.EntityDomain,
	"Intel::URL": alert.EntityURL, "Intel::EMAIL": alert.EntityEmail, "Intel::USER_NAME": alert.EntityUser,
	"Intel::FILE_NAME": alert.EntityFile, "Intel::SUBNET": alert.EntityIP}

// zeekIntel maps an intel.log hit: an indicator of a loaded feed seen in
// traffic.
func zeekIntel(rec record, z zeekNotice) alert.Alert {
	a := alert.Alert{
		Source:    alert.Source{Type: "zeek", Vendor: "Zeek", Product: "Zeek Intel"},
		Title:     "Zeek intel hit: " + z.Indicator + " (" + strings.TrimPrefix(z.IndicatorType, "Intel::") + ") in " + z.Where,
		SourceRef: z.UID,
		Severity:  alert.SeverityHigh,
		Rule:      alert.Rule{ID: "Intel::" + strings.TrimPrefix(firstNonEmpty(z.IndicatorType, "Intel"), "Intel::"), Name: "Intel match " + z.IndicatorType},
	}
	if len(z.Sources) > 0 {
		a.Description = "sources: " + strings.Join(z.Sources, ", ")
		a.Rule.Name += " from " + strings.Join(z.Sources, ", ")
	}
	if z.TS.Set {
		a.EventTime = epochTime(z.TS.V)
	}
	addTags(&a, z.Where, z.IndicatorType)
	addTags(&a, z.Sources...)
	var es entity.Set
	es.Add(alert.EntityIP, z.OrigH, entity.RoleSrc)
	es.Add(alert.EntityIP, z.RespH, entity.RoleDst)
	if t, ok := zeekIntelTypes[z.IndicatorType]; ok {
		es.Add(t, z.Indicator, entity.RoleRelated)
	} else if z.IndicatorType == "Intel::FILE_HASH" || z.IndicatorType == "Intel::CERT_HASH" {
		es.AddHash(z.Indicator, entity.RoleRelated)
	} else {
		es.Scan(z.Indicator)
	}
	es.Scan(z.FileDesc)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, zeekMapped, zeekExpected)
	return a
}

// zeekWeird maps a weird.log record: protocol anomalies, informational
// unless Zeek raised it as a notice.
func zeekWeird(rec record, z zeekNotice) alert.Alert {
	a := alert.Alert{
		Source:      alert.Source{Type: "zeek", Vendor: "Zeek", Product: "Zeek Weird"},
		Title:       "Zeek weird: " + z.Name,
		Description: z.Addl,
		SourceRef:   z.UID,
		Severity:    alert.SeverityInformational,
		Rule:        alert.Rule{ID: "Weird::" + z.Name, Name: z.Name},
	}
	if string(member(rec.raw, "notice")) == "true" || string(member(rec.raw, "notice")) == `"T"` {
		a.Severity = alert.SeverityLow
	}
	if z.TS.Set {
		a.EventTime = epochTime(z.TS.V)
	}
	addTags(&a, "weird", z.Source)
	var es entity.Set
	es.Add(alert.EntityIP, z.OrigH, entity.RoleSrc)
	es.Add(alert.EntityIP, z.RespH, entity.RoleDst)
	es.Scan(z.Addl)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, zeekMapped, zeekExpected)
	return a
}

// isZeekTSV reports a Zeek TSV log (its "#separator" / "#fields" header).
func isZeekTSV(raw []byte) bool {
	b := bytes.TrimLeft(raw, " \r\n\xef\xbb\xbf")
	return bytes.HasPrefix(b, []byte("#separator")) || bytes.HasPrefix(b, []byte("#fields\t"))
}

// normalizeTSV reads Zeek's TSV format: "#fields" names the columns,
// "#set_separator", "#unset_field" and "#empty_field" how values are
// written; each data line is mapped like its JSON form. Raw is the line.
func (n zeekNormalizer) normalizeTSV(raw []byte) ([]alert.Alert, error) {
	lines, err := splitLines(raw)
	if err != nil {
		return nil, err
	}
	var fields, types []string
	setSep, unset, empty := ",", "-", "(empty)"
	out := make([]alert.Alert, 0, len(lines))
	for _, l := range lines {
		if strings.HasPrefix(l.text, "#") {
			k, v, _ := strings.Cut(l.text[1:], "\t")
			switch k {
			case "fields":
				fields = strings.Split(v, "\t")
			case "types":
				types = strings.Split(v, "\t")
			case "set_separator":
				setSep = v
			case "unset_field":
				unset = v
			case "empty_field":
				empty = v
			}
			continue
		}
		if fields == nil {
			return nil, textInvalid(l.loc, "", "Zeek TSV data before its #fields header")
		}
		vals := strings.Split(l.text, "\t")
		obj := make(map[string]any, len(fields))
		for i, f := range fields {
			if i >= len(vals) || vals[i] == unset || vals[i] == "" {
				continue
			}
			v := vals[i]
			typ := ""
			if i < len(types) {
				typ = types[i]
			}
			switch {
			case strings.HasPrefix(typ, "set[") || strings.HasPrefix(typ, "vector["):
				if v == empty {
					continue
				}
				obj[f] = strings.Split(v, setSep)
			case v == empty:
			case typ == "bool":
				obj[f] = v == "T"
			default:
				obj[f] = v
			}
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, textInvalid(l.loc, "", "unreadable Zeek TSV line")
		}
		a, emit, err := n.one(record{raw: b, loc: l.loc})
		if err != nil {
			return nil, err
		}
		if emit {
			a.Raw = rawText(l.text)
			out = append(out, a)
		}
	}
	return out, nil
}
