package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// zeekNormalizer maps Zeek notice.log records in JSON (one per line).
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
}

var zeekMapped = set("ts", "uid", "id.orig_h", "id.resp_h", "note", "msg", "sub", "src", "dst", "actions")

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
	return normalizeJSON(raw, envelopes(), n.one)
}

func (zeekNormalizer) one(rec record) (alert.Alert, bool, error) {
	var z zeekNotice
	if err := decode(rec, &z); err != nil {
		return alert.Alert{}, false, err
	}
	if z.Note == "" {
		return alert.Alert{}, false, invalid(rec, "note", "required for a notice")
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
