package normalize

import (
	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// wazuhNormalizer maps Wazuh alerts: alerts.json lines, wazuh-indexer
// documents ({"_index", "_source": alert}) and search responses
// ({"hits": {"hits": [...]}}).
type wazuhNormalizer struct{}

func (wazuhNormalizer) SourceType() string { return "wazuh" }

type wazuhAlert struct {
	Timestamp string `json:"timestamp"`
	ID        string `json:"id"`
	Rule      struct {
		Level       flexFloat  `json:"level"`
		Description string     `json:"description"`
		ID          flexString `json:"id"`
		Groups      []string   `json:"groups"`
		Mitre       *struct {
			ID        []string `json:"id"`
			Tactic    []string `json:"tactic"`
			Technique []string `json:"technique"`
		} `json:"mitre"`
	} `json:"rule"`
	Agent struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		IP   string `json:"ip"`
	} `json:"agent"`
	FullLog string `json:"full_log"`
	Data    *struct {
		SrcIP   string `json:"srcip"`
		DstIP   string `json:"dstip"`
		SrcUser string `json:"srcuser"`
		DstUser string `json:"dstuser"`
		URL     string `json:"url"`
	} `json:"data"`
	Syscheck *struct {
		Path       string `json:"path"`
		MD5After   string `json:"md5_after"`
		SHA1After  string `json:"sha1_after"`
		SHA256Aftr string `json:"sha256_after"`
		UnameAfter string `json:"uname_after"`
		Event      string `json:"event"`
	} `json:"syscheck"`
}

var wazuhMapped = set("timestamp", "id", "rule", "agent", "full_log", "data", "syscheck")

var wazuhExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qHost, qEntities}

// wazuhSeverity maps rule.level 0..15 following the Wazuh rule
// classification: 0-3 informational, 4-6 low, 7-11 medium, 12-14 high,
// 15 critical.
func wazuhSeverity(l float64) alert.Severity {
	switch {
	case l < 4:
		return alert.SeverityInformational
	case l < 7:
		return alert.SeverityLow
	case l < 12:
		return alert.SeverityMedium
	case l < 15:
		return alert.SeverityHigh
	}
	return alert.SeverityCritical
}

func (n wazuhNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, expandHits, always(n.one))
}

func (wazuhNormalizer) one(hit record) (alert.Alert, error) {
	rec := hit
	docID := ""
	if src := member(hit.raw, "_source"); len(src) > 0 && src[0] == '{' {
		if err := validRaw(hit); err != nil {
			return alert.Alert{}, err
		}
		rec = record{raw: src, loc: hit.loc + "._source"}
		docID = rawString(member(hit.raw, "_id"))
	}
	var w wazuhAlert
	if err := decode(rec, &w); err != nil {
		return alert.Alert{}, err
	}
	if !w.Rule.Level.Set {
		return alert.Alert{}, invalid(rec, "rule.level", "required")
	}
	if w.Rule.Level.V < 0 || w.Rule.Level.V > 16 {
		return alert.Alert{}, invalid(rec, "rule.level", "must be 0..16")
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "wazuh", Vendor: "Wazuh", Product: "Wazuh"},
		Title:       w.Rule.Description,
		Description: w.FullLog,
		Rule:        alert.Rule{ID: string(w.Rule.ID), Name: w.Rule.Description},
		SourceRef:   firstNonEmpty(w.ID, docID),
		Severity:    wazuhSeverity(w.Rule.Level.V),
		EventTime:   parseTime(w.Timestamp),
	}
	if m := w.Rule.Mitre; m != nil {
		addTactics(&a, m.Tactic...)
		addTechniques(&a, m.ID...)
	}
	addTags(&a, w.Rule.Groups...)
	var es entity.Set
	if !es.Add(alert.EntityIP, w.Agent.Name, entity.RoleHost) {
		es.Add(alert.EntityHostname, w.Agent.Name, entity.RoleHost)
	}
	es.Add(alert.EntityIP, w.Agent.IP, entity.RoleHost)
	if d := w.Data; d != nil {
		es.Add(alert.EntityIP, d.SrcIP, entity.RoleSrc)
		es.Add(alert.EntityIP, d.DstIP, entity.RoleDst)
		es.Add(alert.EntityUser, canonicalUser(d.SrcUser), entity.RoleActor)
		es.Add(alert.EntityUser, canonicalUser(d.DstUser), entity.RoleTarget)
		if !es.Add(alert.EntityURL, d.URL, entity.RoleDst) {
			es.Add(alert.EntityFile, d.URL, entity.RoleTarget) // a request path, e.g. /cgi-bin/x.sh
		}
	}
	if s := w.Syscheck; s != nil {
		es.Add(alert.EntityFile, s.Path, entity.RoleFile)
		es.Add(alert.EntityMD5, s.MD5After, entity.RoleFile)
		es.Add(alert.EntitySHA1, s.SHA1After, entity.RoleFile)
		es.Add(alert.EntitySHA256, s.SHA256Aftr, entity.RoleFile)
		es.Add(alert.EntityUser, s.UnameAfter, entity.RoleRelated)
		addTags(&a, "fim:"+s.Event)
	}
	es.Scan(w.FullLog)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, wazuhMapped, wazuhExpected)
	a.Raw = hit.raw
	return a, nil
}
