package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// gcpSCCNormalizer maps Google Cloud Security Command Center findings:
// ListFindings results ({"finding", "resource"}), the
// {"listFindingsResults": [...]} envelope, Pub/Sub notifications
// ({"notificationConfigName", "finding", ...}) and bare findings.
type gcpSCCNormalizer struct{}

func (gcpSCCNormalizer) SourceType() string { return "gcp_scc" }

type sccFinding struct {
	Name          string `json:"name"`
	CanonicalName string `json:"canonicalName"`
	ResourceName  string `json:"resourceName"`
	State         string `json:"state"`
	Category      string `json:"category"`
	Description   string `json:"description"`
	Severity      string `json:"severity"`
	EventTime     string `json:"eventTime"`
	CreateTime    string `json:"createTime"`
	Mute          string `json:"mute"`
	FindingClass  string `json:"findingClass"`
	ExternalURI   string `json:"externalUri"`
	MitreAttack   *struct {
		PrimaryTactic        string   `json:"primaryTactic"`
		PrimaryTechniques    []string `json:"primaryTechniques"`
		AdditionalTactics    []string `json:"additionalTactics"`
		AdditionalTechniques []string `json:"additionalTechniques"`
	} `json:"mitreAttack"`
	Access *struct {
		PrincipalEmail string `json:"principalEmail"`
		CallerIP       string `json:"callerIp"`
	} `json:"access"`
	Indicator *struct {
		IPAddresses []string `json:"ipAddresses"`
		Domains     []string `json:"domains"`
	} `json:"indicator"`
	Connections []struct {
		DestinationIP string `json:"destinationIp"`
		SourceIP      string `json:"sourceIp"`
	} `json:"connections"`
}

type sccResult struct {
	Finding  *sccFinding `json:"finding"`
	Resource *struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	} `json:"resource"`
}

var sccMapped = set("name", "canonicalName", "resourceName", "state", "category", "description", "severity",
	"eventTime", "createTime", "mute", "findingClass", "mitreAttack", "access", "indicator", "connections")

var sccExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qEntities}

func (n gcpSCCNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("listFindingsResults", "findings"), n.one)
}

func (gcpSCCNormalizer) one(rec record) (alert.Alert, bool, error) {
	var r sccResult
	if err := decode(rec, &r); err != nil {
		return alert.Alert{}, false, err
	}
	obj := member(rec.raw, "finding")
	if r.Finding == nil {
		// A bare finding.
		var f sccFinding
		if err := decode(rec, &f); err != nil {
			return alert.Alert{}, false, err
		}
		if f.Name == "" && f.Category == "" {
			return alert.Alert{}, false, invalid(rec, "finding", "not an SCC finding (no finding, name or category)")
		}
		r.Finding, obj = &f, rec.raw
	}
	f := r.Finding
	sev, ok := severityFromText(f.Severity)
	if !ok && f.Severity != "" && f.Severity != "SEVERITY_UNSPECIFIED" {
		return alert.Alert{}, false, invalid(rec, "finding.severity", "unknown SCC severity "+f.Severity)
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "gcp_scc", Vendor: "Google", Product: "Security Command Center"},
		Title:       f.Category,
		Description: f.Description,
		SourceRef:   firstNonEmpty(f.CanonicalName, f.Name),
		Rule:        alert.Rule{ID: f.Category, Name: f.Category},
		Severity:    sev,
		EventTime:   parseTime(firstNonEmpty(f.EventTime, f.CreateTime)),
	}
	if r.Resource != nil && r.Resource.DisplayName != "" && f.Category != "" {
		a.Title = f.Category + " on " + r.Resource.DisplayName
	}
	switch {
	case strings.EqualFold(f.Mute, "MUTED"):
		a.Status = alert.StatusSuppressed
	case strings.EqualFold(f.State, "INACTIVE"):
		a.Status = alert.StatusResolved
	}
	if m := f.MitreAttack; m != nil {
		addTactics(&a, m.PrimaryTactic)
		addTactics(&a, m.AdditionalTactics...)
		// SCC names techniques (e.g. "BRUTE_FORCE"), not ATT&CK ids.
		addTechniques(&a, m.PrimaryTechniques...)
		addTechniques(&a, m.AdditionalTechniques...)
		addTags(&a, m.PrimaryTechniques...)
	}
	addTags(&a, f.FindingClass)
	var es entity.Set
	es.Add(alert.EntityCloudID, f.ResourceName, entity.RoleResource)
	if r.Resource != nil {
		es.Add(alert.EntityCloudID, r.Resource.Name, entity.RoleResource)
	}
	if x := f.Access; x != nil {
		if !es.Add(alert.EntityEmail, x.PrincipalEmail, entity.RoleActor) {
			es.Add(alert.EntityUser, x.PrincipalEmail, entity.RoleActor)
		}
		es.Add(alert.EntityIP, x.CallerIP, entity.RoleSrc)
	}
	if x := f.Indicator; x != nil {
		es.AddAll(alert.EntityIP, x.IPAddresses, entity.RoleRelated)
		es.AddAll(alert.EntityDomain, x.Domains, entity.RoleRelated)
	}
	for _, c := range f.Connections {
		es.Add(alert.EntityIP, c.SourceIP, entity.RoleSrc)
		es.Add(alert.EntityIP, c.DestinationIP, entity.RoleDst)
	}
	a.Entities = es.Entities()
	finish(&a, rec, obj, sccMapped, sccExpected)
	a.Raw = rec.raw
	return a, true, nil
}
