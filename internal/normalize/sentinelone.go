package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// sentinelOneNormalizer maps SentinelOne threats (Management API
// /web/api/v2.1/threats objects), alerts (cloud-detection STAR and
// custom-rule alerts, s1AlertSpec) and Unified Alert Management alerts
// (GraphQL, s1UAMSpec), single, NDJSON, in a {"data": [...]} envelope or
// in a GraphQL answer.
type sentinelOneNormalizer struct{}

func (sentinelOneNormalizer) SourceType() string { return "sentinelone" }

type s1Threat struct {
	ID         string `json:"id"`
	ThreatInfo struct {
		ThreatID          string `json:"threatId"`
		ThreatName        string `json:"threatName"`
		Classification    string `json:"classification"`
		ConfidenceLevel   string `json:"confidenceLevel"`
		AnalystVerdict    string `json:"analystVerdict"`
		IncidentStatus    string `json:"incidentStatus"`
		MitigationStatus  string `json:"mitigationStatus"`
		SHA1              string `json:"sha1"`
		SHA256            string `json:"sha256"`
		MD5               string `json:"md5"`
		FilePath          string `json:"filePath"`
		OriginatorProcess string `json:"originatorProcess"`
		ProcessUser       string `json:"processUser"`
		CreatedAt         string `json:"createdAt"`
		IdentifiedAt      string `json:"identifiedAt"`
		DetectionType     string `json:"detectionType"`
		Storyline         string `json:"storyline"`
	} `json:"threatInfo"`
	AgentRealtimeInfo struct {
		AgentComputerName string `json:"agentComputerName"`
		AgentOsName       string `json:"agentOsName"`
	} `json:"agentRealtimeInfo"`
	AgentDetectionInfo struct {
		AgentIPV4  string `json:"agentIpV4"`
		AgentIPV6  string `json:"agentIpV6"`
		ExternalIP string `json:"externalIp"`
	} `json:"agentDetectionInfo"`
	Indicators []struct {
		Category    string `json:"category"`
		Description string `json:"description"`
		Tactics     []struct {
			Name       string `json:"name"`
			Techniques []struct {
				Name string `json:"name"`
			} `json:"techniques"`
		} `json:"tactics"`
	} `json:"indicators"`
}

var s1Mapped = set("id", "threatInfo", "agentRealtimeInfo", "agentDetectionInfo", "indicators")

var s1Expected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qHost, qHash}

// s1Severity maps threatInfo.confidenceLevel: malicious high, suspicious
// medium, anything else low.
func s1Severity(c string) alert.Severity {
	switch strings.ToLower(c) {
	case "malicious":
		return alert.SeverityHigh
	case "suspicious":
		return alert.SeverityMedium
	}
	return alert.SeverityLow
}

func (n sentinelOneNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, s1Records, n.one)
}

// s1Records opens the envelopes SentinelOne's APIs answer in: the UAM
// GraphQL connection and the Management API's {"data": [...]}.
func s1Records(r record) []record {
	if nodes, ok := s1GraphQLNodes(r); ok {
		return nodes
	}
	return envelopes("data")(r)
}

func (sentinelOneNormalizer) one(rec record) (alert.Alert, bool, error) {
	if member(rec.raw, "threatInfo") == nil && isS1UAM(rec.raw) {
		return specNormalizer{s1UAMSpec}.one(rec)
	}
	if isS1Alert(rec.raw) && member(rec.raw, "threatInfo") == nil {
		return specNormalizer{s1AlertSpec}.one(rec)
	}
	var t s1Threat
	if err := decode(rec, &t); err != nil {
		return alert.Alert{}, false, err
	}
	ti := t.ThreatInfo
	a := alert.Alert{
		Source:    alert.Source{Type: "sentinelone", Vendor: "SentinelOne", Product: "Singularity"},
		SourceRef: firstNonEmpty(t.ID, ti.ThreatID),
		Severity:  s1Severity(ti.ConfidenceLevel),
		EventTime: parseTime(firstNonEmpty(ti.IdentifiedAt, ti.CreatedAt)),
		Rule:      alert.Rule{ID: ti.Classification, Name: strings.TrimSpace(ti.Classification + " " + ti.DetectionType)},
	}
	a.Title = ti.ThreatName
	if ti.Classification != "" {
		a.Title = ti.Classification + " detected: " + ti.ThreatName
	}
	a.Description = strings.TrimSpace("confidence=" + ti.ConfidenceLevel + " mitigation=" + ti.MitigationStatus +
		" verdict=" + ti.AnalystVerdict + " detection=" + ti.DetectionType)
	switch strings.ToLower(ti.IncidentStatus) {
	case "resolved":
		a.Status = alert.StatusResolved
	}
	if strings.EqualFold(ti.AnalystVerdict, "false_positive") {
		a.Status = alert.StatusFalsePositive
	}
	for _, ind := range t.Indicators {
		for _, tac := range ind.Tactics {
			addTactics(&a, tac.Name)
			for _, tech := range tac.Techniques {
				addTechniques(&a, tech.Name)
			}
		}
		addTags(&a, ind.Category)
	}
	addTags(&a, ti.Classification, ti.MitigationStatus)
	var es entity.Set
	es.Add(alert.EntityHostname, t.AgentRealtimeInfo.AgentComputerName, entity.RoleHost)
	es.Add(alert.EntityIP, t.AgentDetectionInfo.AgentIPV4, entity.RoleHost)
	es.Add(alert.EntityIP, t.AgentDetectionInfo.AgentIPV6, entity.RoleHost)
	es.Add(alert.EntityIP, t.AgentDetectionInfo.ExternalIP, entity.RoleHost)
	es.Add(alert.EntitySHA1, ti.SHA1, entity.RoleFile)
	es.Add(alert.EntitySHA256, ti.SHA256, entity.RoleFile)
	es.Add(alert.EntityMD5, ti.MD5, entity.RoleFile)
	es.Add(alert.EntityFile, ti.FilePath, entity.RoleFile)
	es.Add(alert.EntityProcess, ti.OriginatorProcess, entity.RoleProcess)
	es.Add(alert.EntityUser, ti.ProcessUser, entity.RoleActor)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, s1Mapped, s1Expected)
	return a, true, nil
}
