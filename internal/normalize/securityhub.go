package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// securityHubNormalizer maps AWS Security Finding Format (ASFF) findings:
// a single finding, a {"Findings": [...]} envelope (GetFindings /
// BatchImportFindings) or an EventBridge event whose detail holds findings.
type securityHubNormalizer struct{}

func (securityHubNormalizer) SourceType() string { return "securityhub" }

type asffSeverity struct {
	Label      string    `json:"Label"`
	Normalized flexFloat `json:"Normalized"`
	Product    flexFloat `json:"Product"`
	Original   string    `json:"Original"`
}

type asffIPDetail struct {
	IPAddressV4 string `json:"IpAddressV4"`
}

type asffFinding struct {
	ID                    string       `json:"Id"`
	ProductArn            string       `json:"ProductArn"`
	ProductName           string       `json:"ProductName"`
	CompanyName           string       `json:"CompanyName"`
	GeneratorID           string       `json:"GeneratorId"`
	Types                 []string     `json:"Types"`
	Title                 string       `json:"Title"`
	Description           string       `json:"Description"`
	Severity              asffSeverity `json:"Severity"`
	FindingProviderFields struct {
		Severity asffSeverity `json:"Severity"`
		Types    []string     `json:"Types"`
	} `json:"FindingProviderFields"`
	FirstObservedAt string `json:"FirstObservedAt"`
	CreatedAt       string `json:"CreatedAt"`
	UpdatedAt       string `json:"UpdatedAt"`
	Workflow        struct {
		Status string `json:"Status"`
	} `json:"Workflow"`
	WorkflowState string `json:"WorkflowState"`
	RecordState   string `json:"RecordState"`
	Compliance    *struct {
		Status            string `json:"Status"`
		SecurityControlID string `json:"SecurityControlId"`
	} `json:"Compliance"`
	ProductFields map[string]string `json:"ProductFields"`
	Resources     []struct {
		Type string `json:"Type"`
		ID   string `json:"Id"`
	} `json:"Resources"`
	Network *struct {
		SourceIPV4      string `json:"SourceIpV4"`
		SourceIPV6      string `json:"SourceIpV6"`
		DestinationIPV4 string `json:"DestinationIpV4"`
		DestinationIPV6 string `json:"DestinationIpV6"`
		SourceDomain    string `json:"SourceDomain"`
		DestDomain      string `json:"DestinationDomain"`
	} `json:"Network"`
	ThreatIntelIndicators []struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	} `json:"ThreatIntelIndicators"`
	Process *struct {
		Name string `json:"Name"`
		Path string `json:"Path"`
	} `json:"Process"`
	Action *struct {
		NetworkConnectionAction *struct {
			ConnectionDirection string       `json:"ConnectionDirection"`
			RemoteIPDetails     asffIPDetail `json:"RemoteIpDetails"`
		} `json:"NetworkConnectionAction"`
		AwsAPICallAction *struct {
			RemoteIPDetails asffIPDetail `json:"RemoteIpDetails"`
		} `json:"AwsApiCallAction"`
		PortProbeAction *struct {
			PortProbeDetails []struct {
				RemoteIPDetails asffIPDetail `json:"RemoteIpDetails"`
			} `json:"PortProbeDetails"`
		} `json:"PortProbeAction"`
	} `json:"Action"`
	Vulnerabilities []struct {
		ID string `json:"Id"`
	} `json:"Vulnerabilities"`
	Malware []struct {
		Name string `json:"Name"`
	} `json:"Malware"`
}

var asffMapped = set("Id", "ProductArn", "ProductName", "CompanyName", "GeneratorId", "Types", "Title", "Description",
	"Severity", "FindingProviderFields", "FirstObservedAt", "CreatedAt", "Workflow", "WorkflowState", "RecordState",
	"Compliance", "Resources", "Network", "Vulnerabilities", "Malware", "UpdatedAt", "ThreatIntelIndicators", "Process", "Action")

var asffExpected = []string{qEventTime, qSeverity, qTitle, qDescription, qSourceRef, qRule, qEntities}

func (n securityHubNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	recs, err := splitJSON(raw)
	if err != nil {
		return nil, err
	}
	var out []alert.Alert
	for _, r := range recs {
		// EventBridge: {"detail-type": "Security Hub Findings - Imported", "detail": {"findings": [...]}}
		if d := member(r.raw, "detail"); d != nil && hasKey(r.raw, "detail-type") {
			r = record{raw: d, loc: r.loc + ".detail"}
		}
		items := []record{r}
		if inner, ok := unwrap(r, "Findings", "findings"); ok {
			items = inner
		}
		for _, it := range items {
			a, _, err := n.one(it)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	if out == nil {
		out = []alert.Alert{}
	}
	return out, nil
}

// asffSeverityID maps Severity.Label (INFORMATIONAL, LOW, MEDIUM, HIGH,
// CRITICAL), falling back to Severity.Normalized 0..100 (0 informational,
// 1-39 low, 40-69 medium, 70-89 high, 90-100 critical).
func asffSeverityID(s asffSeverity) (alert.Severity, bool) {
	if sev, ok := severityFromText(s.Label); ok {
		return sev, true
	}
	if s.Normalized.Set {
		v := s.Normalized.V
		switch {
		case v < 0 || v > 100:
			return alert.SeverityUnknown, false
		case v == 0:
			return alert.SeverityInformational, true
		case v < 40:
			return alert.SeverityLow, true
		case v < 70:
			return alert.SeverityMedium, true
		case v < 90:
			return alert.SeverityHigh, true
		}
		return alert.SeverityCritical, true
	}
	return alert.SeverityUnknown, false
}

func (securityHubNormalizer) one(rec record) (alert.Alert, bool, error) {
	if len(rec.raw) == 0 || rec.raw[0] != '{' {
		return alert.Alert{}, false, invalid(rec, "", "expected an object")
	}
	var f asffFinding
	if err := decode(rec, &f); err != nil {
		return alert.Alert{}, false, err
	}
	if f.Severity.Normalized.Set && (f.Severity.Normalized.V < 0 || f.Severity.Normalized.V > 100) {
		return alert.Alert{}, false, invalid(rec, "Severity.Normalized", "must be 0..100")
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "securityhub", Vendor: firstNonEmpty(f.CompanyName, "AWS"), Product: firstNonEmpty(f.ProductName, "Security Hub")},
		Title:       f.Title,
		Description: f.Description,
		SourceRef:   f.ID,
		EventTime:   parseTime(firstNonEmpty(f.FirstObservedAt, f.CreatedAt)),
	}
	sev, ok := asffSeverityID(f.Severity)
	if !ok {
		sev, _ = asffSeverityID(f.FindingProviderFields.Severity)
	}
	a.Severity = sev
	types := f.Types
	if len(types) == 0 {
		types = f.FindingProviderFields.Types
	}
	ttp := ""
	for _, t := range types {
		if r := ttpType(&a, t); r != "" && ttp == "" {
			ttp = r
		}
		addTags(&a, t)
	}
	a.Rule.ID = firstNonEmpty(ttp, f.GeneratorID)
	a.Rule.Name = firstNonEmpty(ttp, f.Title)
	if f.Compliance != nil && f.Compliance.SecurityControlID != "" {
		a.Rule.ID = f.Compliance.SecurityControlID
	}
	wf := strings.ToUpper(firstNonEmpty(f.Workflow.Status, f.WorkflowState))
	switch {
	case wf == "RESOLVED" || strings.EqualFold(f.RecordState, "ARCHIVED"):
		a.Status = alert.StatusResolved
	case wf == "SUPPRESSED":
		a.Status = alert.StatusSuppressed
	}
	if f.Compliance != nil && f.Compliance.Status != "" {
		addTags(&a, "compliance:"+strings.ToLower(f.Compliance.Status))
	}
	for _, v := range f.Vulnerabilities {
		addTags(&a, v.ID)
	}
	for _, m := range f.Malware {
		addTags(&a, m.Name)
	}
	var es entity.Set
	for _, r := range f.Resources {
		es.Add(alert.EntityCloudID, r.ID, entity.RoleResource)
		addTags(&a, r.Type)
	}
	if n := f.Network; n != nil {
		es.Add(alert.EntityIP, n.SourceIPV4, entity.RoleSrc)
		es.Add(alert.EntityIP, n.SourceIPV6, entity.RoleSrc)
		es.Add(alert.EntityIP, n.DestinationIPV4, entity.RoleDst)
		es.Add(alert.EntityIP, n.DestinationIPV6, entity.RoleDst)
		es.Add(alert.EntityDomain, n.SourceDomain, entity.RoleSrc)
		es.Add(alert.EntityDomain, n.DestDomain, entity.RoleDst)
	}
	// ThreatIntelIndicators: Type IPV4_ADDRESS, IPV6_ADDRESS, DOMAIN,
	// EMAIL_ADDRESS, URL, HASH_MD5, HASH_SHA1, HASH_SHA256, PROCESS, FILE.
	for _, ti := range f.ThreatIntelIndicators {
		switch strings.ToUpper(ti.Type) {
		case "IPV4_ADDRESS", "IPV6_ADDRESS":
			es.Add(alert.EntityIP, ti.Value, entity.RoleRelated)
		case "DOMAIN":
			es.Add(alert.EntityDomain, ti.Value, entity.RoleRelated)
		case "EMAIL_ADDRESS":
			es.Add(alert.EntityEmail, ti.Value, entity.RoleRelated)
		case "URL":
			es.Add(alert.EntityURL, ti.Value, entity.RoleRelated)
		case "HASH_MD5", "HASH_SHA1", "HASH_SHA256":
			es.AddHash(ti.Value, entity.RoleRelated)
		case "PROCESS":
			es.Add(alert.EntityProcess, ti.Value, entity.RoleRelated)
		case "FILE":
			es.Add(alert.EntityFile, ti.Value, entity.RoleRelated)
		default:
			es.Scan(ti.Value)
		}
	}
	if p := f.Process; p != nil {
		es.Add(alert.EntityProcess, firstNonEmpty(p.Path, p.Name), entity.RoleProcess)
	}
	if act := f.Action; act != nil {
		if x := act.NetworkConnectionAction; x != nil {
			role := entity.RoleSrc
			if strings.EqualFold(x.ConnectionDirection, "OUTBOUND") {
				role = entity.RoleDst
			}
			es.Add(alert.EntityIP, x.RemoteIPDetails.IPAddressV4, role)
		}
		if x := act.AwsAPICallAction; x != nil {
			es.Add(alert.EntityIP, x.RemoteIPDetails.IPAddressV4, entity.RoleSrc)
		}
		if x := act.PortProbeAction; x != nil {
			for _, d := range x.PortProbeDetails {
				es.Add(alert.EntityIP, d.RemoteIPDetails.IPAddressV4, entity.RoleSrc)
			}
		}
	}
	// GuardDuty via Security Hub keeps the remote IP in ProductFields.
	for _, k := range []string{"aws/guardduty/service/action/awsApiCallAction/remoteIpDetails/ipAddressV4",
		"aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4",
		"aws/guardduty/service/action/kubernetesApiCallAction/remoteIpDetails/ipAddressV4"} {
		es.Add(alert.EntityIP, f.ProductFields[k], entity.RoleSrc)
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, asffMapped, asffExpected)
	return a, true, nil
}

// ttpType reads an ASFF finding type "TTPs/<tactic>/<finding type>": it
// adds the tactic and returns the finding type ("" for other namespaces).
func ttpType(a *alert.Alert, t string) string {
	parts := strings.Split(t, "/")
	if len(parts) < 2 || parts[0] != "TTPs" {
		return ""
	}
	addTactics(a, parts[1])
	if len(parts) == 3 {
		return parts[2]
	}
	return ""
}
