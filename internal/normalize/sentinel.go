package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// sentinelNormalizer maps Microsoft Sentinel ARM resources: incidents
// (Microsoft.SecurityInsights/incidents) and SecurityAlert entities
// (Microsoft.SecurityInsights/Entities, kind SecurityAlert), single or in
// a {"value": [...]} list envelope.
type sentinelNormalizer struct{}

func (sentinelNormalizer) SourceType() string { return "sentinel" }

type sentinelDoc struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Kind       string `json:"kind"`
	Properties struct {
		// Incident.
		Title                 string     `json:"title"`
		Description           string     `json:"description"`
		Severity              string     `json:"severity"`
		Status                string     `json:"status"`
		Classification        string     `json:"classification"`
		IncidentNumber        flexString `json:"incidentNumber"`
		CreatedTimeUtc        string     `json:"createdTimeUtc"`
		FirstActivityTimeUtc  string     `json:"firstActivityTimeUtc"`
		RelatedAnalyticRuleID []string   `json:"relatedAnalyticRuleIds"`
		ProviderName          string     `json:"providerName"`
		Labels                []struct {
			LabelName string `json:"labelName"`
		} `json:"labels"`
		AdditionalData struct {
			Tactics           []string `json:"tactics"`
			Techniques        []string `json:"techniques"`
			AlertProductNames []string `json:"alertProductNames"`
		} `json:"additionalData"`
		// SecurityAlert entity.
		AlertDisplayName  string   `json:"alertDisplayName"`
		SystemAlertID     string   `json:"systemAlertId"`
		AlertType         string   `json:"alertType"`
		VendorName        string   `json:"vendorName"`
		ProductName       string   `json:"productName"`
		StartTimeUtc      string   `json:"startTimeUtc"`
		TimeGenerated     string   `json:"timeGenerated"`
		Tactics           []string `json:"tactics"`
		Techniques        []string `json:"techniques"`
		CompromisedEntity string   `json:"compromisedEntity"`
		ResourceIDs       []struct {
			Type       string `json:"type"`
			ResourceID string `json:"resourceId"`
		} `json:"resourceIdentifiers"`
	} `json:"properties"`
}

var sentinelMapped = set("id", "name", "type", "kind", "properties")

var sentinelExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qTactics}

func (n sentinelNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("value"), n.one)
}

func (sentinelNormalizer) one(rec record) (alert.Alert, bool, error) {
	var d sentinelDoc
	if err := decode(rec, &d); err != nil {
		return alert.Alert{}, false, err
	}
	p := d.Properties
	sev, ok := severityFromText(p.Severity)
	if !ok && p.Severity != "" {
		return alert.Alert{}, false, invalid(rec, "properties.severity", "unknown Sentinel severity "+p.Severity)
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "sentinel", Vendor: "Microsoft", Product: "Microsoft Sentinel"},
		Title:       firstNonEmpty(p.Title, p.AlertDisplayName),
		Description: p.Description,
		SourceRef:   firstNonEmpty(d.ID, d.Name),
		Severity:    sev,
		EventTime:   parseTime(firstNonEmpty(p.FirstActivityTimeUtc, p.StartTimeUtc, p.CreatedTimeUtc, p.TimeGenerated)),
	}
	if strings.EqualFold(d.Kind, "SecurityAlert") || p.AlertDisplayName != "" {
		a.Rule = alert.Rule{ID: p.AlertType, Name: p.AlertDisplayName}
		if p.ProductName != "" {
			a.Source.Product = p.ProductName
		}
		if p.VendorName != "" {
			a.Source.Vendor = p.VendorName
		}
	} else {
		ruleID := ""
		if len(p.RelatedAnalyticRuleID) > 0 {
			ruleID = strings.ToLower(p.RelatedAnalyticRuleID[0])
			ruleID = ruleID[strings.LastIndexByte(ruleID, '/')+1:]
		}
		a.Rule = alert.Rule{ID: ruleID, Name: p.Title}
		addTags(&a, "incident")
		if p.IncidentNumber != "" {
			addTags(&a, "incident:"+string(p.IncidentNumber))
		}
	}
	switch strings.ToLower(p.Status) {
	case "closed", "resolved":
		a.Status = alert.StatusResolved
	case "dismissed":
		a.Status = alert.StatusSuppressed
	}
	if strings.EqualFold(p.Classification, "FalsePositive") {
		a.Status = alert.StatusFalsePositive
	}
	addTactics(&a, p.AdditionalData.Tactics...)
	addTactics(&a, p.Tactics...)
	addTechniques(&a, p.AdditionalData.Techniques...)
	addTechniques(&a, p.Techniques...)
	for _, l := range p.Labels {
		addTags(&a, l.LabelName)
	}
	addTags(&a, p.AdditionalData.AlertProductNames...)
	var es entity.Set
	if !es.Add(alert.EntityIP, p.CompromisedEntity, entity.RoleHost) {
		es.Add(alert.EntityHostname, p.CompromisedEntity, entity.RoleHost)
	}
	for _, r := range p.ResourceIDs {
		es.Add(alert.EntityCloudID, r.ResourceID, entity.RoleResource)
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, sentinelMapped, sentinelExpected)
	return a, true, nil
}
