package normalize

import (
	"strconv"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// suricataNormalizer maps Suricata EVE JSON. Only event_type "alert"
// records become alerts; other EVE events (flow, dns, http, tls, stats...)
// are skipped.
type suricataNormalizer struct{}

func (suricataNormalizer) SourceType() string { return "suricata" }

type eveRecord struct {
	Timestamp string     `json:"timestamp"`
	EventType string     `json:"event_type"`
	SrcIP     string     `json:"src_ip"`
	DestIP    string     `json:"dest_ip"`
	SrcPort   flexString `json:"src_port"`
	DestPort  flexString `json:"dest_port"`
	Proto     string     `json:"proto"`
	FlowID    flexString `json:"flow_id"`
	Host      string     `json:"host"`
	Alert     *struct {
		Action      string    `json:"action"`
		SignatureID flexFloat `json:"signature_id"`
		Rev         flexFloat `json:"rev"`
		Signature   string    `json:"signature"`
		Category    string    `json:"category"`
		Severity    flexFloat `json:"severity"`
		Metadata    struct {
			MitreAttack        []string `json:"mitre_attack"`
			MitreTechniqueID   []string `json:"mitre_technique_id"`
			MitreTacticName    []string `json:"mitre_tactic_name"`
			MitreTacticID      []string `json:"mitre_tactic_id"`
			SignatureSeverity  []string `json:"signature_severity"`
			AttackTarget       []string `json:"attack_target"`
			CVE                []string `json:"cve"`
			Tag                []string `json:"tag"`
			PerformanceImpact  []string `json:"performance_impact"`
			DeploymentLocation []string `json:"deployment"`
		} `json:"metadata"`
	} `json:"alert"`
	HTTP *struct {
		Hostname  string `json:"hostname"`
		URL       string `json:"url"`
		UserAgent string `json:"http_user_agent"`
	} `json:"http"`
	DNS *struct {
		RRName string `json:"rrname"`
	} `json:"dns"`
	TLS *struct {
		SNI string `json:"sni"`
	} `json:"tls"`
	FileInfo *struct {
		Filename string `json:"filename"`
		MD5      string `json:"md5"`
		SHA1     string `json:"sha1"`
		SHA256   string `json:"sha256"`
	} `json:"fileinfo"`
}

var eveMapped = set("timestamp", "event_type", "src_ip", "dest_ip", "src_port", "dest_port", "proto", "alert", "http", "dns", "tls", "fileinfo", "host")

var eveExpected = []string{qEventTime, qSeverity, qTitle, qRule, qNetwork, qEntities}

func (n suricataNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes(), n.one)
}

// suricataSeverity maps alert.severity (1 highest priority .. 4): 1 high,
// 2 medium, 3 low, 4+ informational.
func suricataSeverity(v float64) alert.Severity {
	switch {
	case v <= 0:
		return alert.SeverityUnknown
	case v < 2:
		return alert.SeverityHigh
	case v < 3:
		return alert.SeverityMedium
	case v < 4:
		return alert.SeverityLow
	}
	return alert.SeverityInformational
}

func (suricataNormalizer) one(rec record) (alert.Alert, bool, error) {
	var e eveRecord
	if err := decode(rec, &e); err != nil {
		return alert.Alert{}, false, err
	}
	if e.EventType != "alert" || e.Alert == nil {
		return alert.Alert{}, false, nil
	}
	al := e.Alert
	a := alert.Alert{
		Source:    alert.Source{Type: "suricata", Vendor: "OISF", Product: "Suricata"},
		Title:     al.Signature,
		EventTime: parseTime(e.Timestamp),
		Severity:  suricataSeverity(al.Severity.V),
	}
	if al.SignatureID.Set {
		a.Rule.ID = strconv.FormatInt(int64(al.SignatureID.V), 10)
	}
	a.Rule.Name = al.Signature
	if al.Category != "" {
		a.Description = al.Category
		addTags(&a, al.Category)
	}
	if strings.EqualFold(al.Action, "blocked") {
		addTags(&a, "blocked")
	}
	md := al.Metadata
	addTechniques(&a, md.MitreAttack...)
	addTechniques(&a, md.MitreTechniqueID...)
	addTactics(&a, md.MitreTacticName...)
	addTactics(&a, md.MitreTacticID...)
	for _, c := range md.CVE {
		if !strings.HasPrefix(strings.ToUpper(c), "CVE-") {
			c = "CVE-" + c
		}
		addTags(&a, strings.ToUpper(c))
	}
	addTags(&a, md.Tag...)
	var es entity.Set
	es.Add(alert.EntityIP, e.SrcIP, entity.RoleSrc)
	es.Add(alert.EntityIP, e.DestIP, entity.RoleDst)
	es.Add(alert.EntityHostname, e.Host, entity.RoleHost)
	if h := e.HTTP; h != nil {
		es.Add(alert.EntityDomain, h.Hostname, entity.RoleDst)
		if h.Hostname != "" && strings.HasPrefix(h.URL, "/") {
			es.Add(alert.EntityURL, "http://"+h.Hostname+h.URL, entity.RoleDst)
		}
	}
	if d := e.DNS; d != nil {
		es.Add(alert.EntityDomain, d.RRName, entity.RoleDst)
	}
	if t := e.TLS; t != nil {
		es.Add(alert.EntityDomain, t.SNI, entity.RoleDst)
	}
	if f := e.FileInfo; f != nil {
		es.Add(alert.EntityFile, f.Filename, entity.RoleFile)
		es.Add(alert.EntityMD5, f.MD5, entity.RoleFile)
		es.Add(alert.EntitySHA1, f.SHA1, entity.RoleFile)
		es.Add(alert.EntitySHA256, f.SHA256, entity.RoleFile)
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, eveMapped, eveExpected)
	return a, true, nil
}
