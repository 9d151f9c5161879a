package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// crowdStrikeNormalizer maps CrowdStrike Falcon streaming API detection
// events ({"metadata": {...}, "event": {...}}, eventType
// DetectionSummaryEvent / EPPDetectionSummaryEvent), one per line, and
// Alerts API / Detects API records (csAlertSpec), single or in
// {"resources": [...]}.
type crowdStrikeNormalizer struct{}

func (crowdStrikeNormalizer) SourceType() string { return "crowdstrike" }

type csEvent struct {
	Metadata struct {
		EventType         string    `json:"eventType"`
		EventCreationTime flexFloat `json:"eventCreationTime"`
	} `json:"metadata"`
	Event struct {
		DetectID           string     `json:"DetectId"`
		CompositeID        string     `json:"CompositeId"`
		Name               string     `json:"Name"`
		DetectName         string     `json:"DetectName"`
		Description        string     `json:"Description"`
		DetectDescription  string     `json:"DetectDescription"`
		Severity           flexFloat  `json:"Severity"`
		SeverityName       string     `json:"SeverityName"`
		Hostname           string     `json:"Hostname"`
		ComputerName       string     `json:"ComputerName"`
		UserName           string     `json:"UserName"`
		LogonDomain        string     `json:"LogonDomain"`
		FileName           string     `json:"FileName"`
		FilePath           string     `json:"FilePath"`
		CommandLine        string     `json:"CommandLine"`
		SHA256String       string     `json:"SHA256String"`
		MD5String          string     `json:"MD5String"`
		SHA1String         string     `json:"SHA1String"`
		LocalIP            string     `json:"LocalIP"`
		LocalIPv6          string     `json:"LocalIPv6"`
		ExternalIP         string     `json:"ExternalIP"`
		Tactic             string     `json:"Tactic"`
		TacticID           string     `json:"TacticId"`
		Technique          string     `json:"Technique"`
		TechniqueID        string     `json:"TechniqueId"`
		PatternID          flexString `json:"PatternId"`
		ParentImageFile    string     `json:"ParentImageFileName"`
		IOCType            string     `json:"IOCType"`
		IOCValue           string     `json:"IOCValue"`
		PatternDisposition string     `json:"PatternDispositionDescription"`
		ProcessStartTime   flexFloat  `json:"ProcessStartTime"`
		Timestamp          flexFloat  `json:"Timestamp"`
		NetworkAccesses    []struct {
			RemoteAddress string `json:"RemoteAddress"`
			LocalAddress  string `json:"LocalAddress"`
		} `json:"NetworkAccesses"`
		DNSRequests []struct {
			DomainName string `json:"DomainName"`
		} `json:"DnsRequests"`
	} `json:"event"`
}

var csMapped = set("metadata", "event")

var csExpected = []string{qEventTime, qSeverity, qTitle, qDescription, qSourceRef, qRule, qHost, qHash}

func (n crowdStrikeNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("resources"), n.one)
}

func (crowdStrikeNormalizer) one(rec record) (alert.Alert, bool, error) {
	if isCSAlertAPI(rec.raw) && member(rec.raw, "event") == nil {
		return specNormalizer{csAlertSpec}.one(rec)
	}
	var c csEvent
	if err := decode(rec, &c); err != nil {
		return alert.Alert{}, false, err
	}
	et := strings.ToLower(c.Metadata.EventType)
	if et != "" && !strings.Contains(et, "detection") {
		return alert.Alert{}, false, nil // other streaming events (auth, audit) are not alerts
	}
	e := c.Event
	if e.Severity.Set && (e.Severity.V < 0 || e.Severity.V > 100) {
		return alert.Alert{}, false, invalid(rec, "event.Severity", "must be 0..100")
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "crowdstrike", Vendor: "CrowdStrike", Product: "Falcon"},
		Title:       firstNonEmpty(e.Name, e.DetectName),
		Description: firstNonEmpty(e.Description, e.DetectDescription),
		SourceRef:   firstNonEmpty(e.CompositeID, e.DetectID),
		Rule:        alert.Rule{ID: string(e.PatternID), Name: firstNonEmpty(e.Name, e.DetectName)},
	}
	if sev, ok := severityFromText(e.SeverityName); ok {
		a.Severity = sev
	} else {
		a.Severity = severityFrom100(e.Severity.V)
	}
	switch {
	case e.Timestamp.Set:
		a.EventTime = epochTime(e.Timestamp.V)
	case c.Metadata.EventCreationTime.Set:
		a.EventTime = epochTime(c.Metadata.EventCreationTime.V)
	}
	addTactics(&a, e.TacticID, e.Tactic)
	addTechniques(&a, e.TechniqueID)
	if _, ok := Tactic(e.Tactic); !ok {
		addTags(&a, e.Tactic)
	}
	addTags(&a, e.Technique, e.PatternDisposition)
	var es entity.Set
	es.Add(alert.EntityHostname, firstNonEmpty(e.Hostname, e.ComputerName), entity.RoleHost)
	es.Add(alert.EntityIP, e.LocalIP, entity.RoleHost)
	es.Add(alert.EntityIP, e.LocalIPv6, entity.RoleHost)
	es.Add(alert.EntityIP, e.ExternalIP, entity.RoleHost)
	es.Add(alert.EntityUser, qualifiedUser(e.LogonDomain, e.UserName), entity.RoleActor)
	es.Add(alert.EntityFile, firstNonEmpty(e.FilePath, e.FileName), entity.RoleFile)
	es.Add(alert.EntitySHA256, e.SHA256String, entity.RoleFile)
	es.Add(alert.EntitySHA1, e.SHA1String, entity.RoleFile)
	es.Add(alert.EntityMD5, e.MD5String, entity.RoleFile)
	es.Add(alert.EntityProcess, e.FileName, entity.RoleProcess)
	es.Add(alert.EntityProcess, e.ParentImageFile, entity.RoleRelated)
	switch strings.ToLower(e.IOCType) {
	case "hash_sha256", "hash_md5", "hash_sha1":
		es.AddHash(e.IOCValue, entity.RoleRelated)
	case "domain":
		es.Add(alert.EntityDomain, e.IOCValue, entity.RoleRelated)
	case "ipv4", "ipv6":
		es.Add(alert.EntityIP, e.IOCValue, entity.RoleRelated)
	}
	for _, na := range e.NetworkAccesses {
		es.Add(alert.EntityIP, na.RemoteAddress, entity.RoleDst)
		es.Add(alert.EntityIP, na.LocalAddress, entity.RoleSrc)
	}
	for _, d := range e.DNSRequests {
		es.Add(alert.EntityDomain, d.DomainName, entity.RoleRelated)
	}
	es.Scan(e.CommandLine)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, csMapped, csExpected)
	return a, true, nil
}
