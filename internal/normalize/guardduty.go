package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// guardDutyNormalizer maps Amazon GuardDuty findings (GetFindings API form,
// EventBridge "detail" form, or a {"findings": [...]} envelope).
type guardDutyNormalizer struct{}

func (guardDutyNormalizer) SourceType() string { return "guardduty" }

type gdIPDetails struct {
	IPAddressV4 string `json:"ipAddressV4"`
	IPAddressV6 string `json:"ipAddressV6"`
}

type gdFinding struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Severity    flexFloat  `json:"severity"`
	CreatedAt   flexString `json:"createdAt"`
	UpdatedAt   flexString `json:"updatedAt"`
	Resource    struct {
		ResourceType    string `json:"resourceType"`
		InstanceDetails *struct {
			InstanceID        string `json:"instanceId"`
			NetworkInterfaces []struct {
				PrivateIPAddress string `json:"privateIpAddress"`
				PublicIP         string `json:"publicIp"`
			} `json:"networkInterfaces"`
		} `json:"instanceDetails"`
		AccessKeyDetails *struct {
			AccessKeyID string `json:"accessKeyId"`
			UserName    string `json:"userName"`
		} `json:"accessKeyDetails"`
		EksClusterDetails *struct {
			Arn string `json:"arn"`
		} `json:"eksClusterDetails"`
		KubernetesDetails *struct {
			KubernetesUserDetails *struct {
				Username string `json:"username"`
			} `json:"kubernetesUserDetails"`
		} `json:"kubernetesDetails"`
		RdsDbInstanceDetails *struct {
			DBInstanceArn string `json:"dbInstanceArn"`
		} `json:"rdsDbInstanceDetails"`
		RdsDbUserDetails *struct {
			User string `json:"user"`
		} `json:"rdsDbUserDetails"`
		S3BucketDetails []struct {
			Arn string `json:"arn"`
		} `json:"s3BucketDetails"`
	} `json:"resource"`
	Service struct {
		Action struct {
			ActionType       string `json:"actionType"`
			DNSRequestAction *struct {
				Domain string `json:"domain"`
			} `json:"dnsRequestAction"`
			NetworkConnectionAction *struct {
				ConnectionDirection string      `json:"connectionDirection"`
				RemoteIPDetails     gdIPDetails `json:"remoteIpDetails"`
				LocalIPDetails      gdIPDetails `json:"localIpDetails"`
			} `json:"networkConnectionAction"`
			AwsAPICallAction *struct {
				API             string      `json:"api"`
				RemoteIPDetails gdIPDetails `json:"remoteIpDetails"`
			} `json:"awsApiCallAction"`
			KubernetesAPICallAction *struct {
				SourceIPs       []string    `json:"sourceIPs"`
				RemoteIPDetails gdIPDetails `json:"remoteIpDetails"`
			} `json:"kubernetesApiCallAction"`
			RdsLoginAttemptAction *struct {
				RemoteIPDetails gdIPDetails `json:"remoteIpDetails"`
			} `json:"rdsLoginAttemptAction"`
			PortProbeAction *struct {
				PortProbeDetails []struct {
					RemoteIPDetails gdIPDetails `json:"remoteIpDetails"`
					LocalIPDetails  gdIPDetails `json:"localIpDetails"`
				} `json:"portProbeDetails"`
			} `json:"portProbeAction"`
		} `json:"action"`
		Archived       bool       `json:"archived"`
		EventFirstSeen flexString `json:"eventFirstSeen"`
		FeatureName    string     `json:"featureName"`
		RuntimeDetails *struct {
			Process *struct {
				Name             string `json:"name"`
				ExecutablePath   string `json:"executablePath"`
				ExecutableSha256 string `json:"executableSha256"`
			} `json:"process"`
		} `json:"runtimeDetails"`
		AdditionalInfo *struct {
			Sample bool `json:"sample"`
		} `json:"additionalInfo"`
	} `json:"service"`
}

var gdMapped = set("id", "type", "title", "description", "severity", "createdAt", "updatedAt", "resource", "service")

var gdExpected = []string{qEventTime, qSeverity, qTitle, qDescription, qSourceRef, qRule, qTactics, qEntities}

// guardDutyTactics maps finding-type threat purposes to ATT&CK tactics.
var guardDutyTactics = map[string]string{ //nolint:gosec // G101 false positive: ATT&CK tactic names
	"Recon": "reconnaissance", "InitialAccess": "initial-access", "Execution": "execution",
	"Persistence": "persistence", "PrivilegeEscalation": "privilege-escalation",
	"DefenseEvasion": "defense-evasion", "Stealth": "defense-evasion", "CredentialAccess": "credential-access",
	"Discovery": "discovery", "Exfiltration": "exfiltration", "Impact": "impact",
}

func (n guardDutyNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("findings", "Findings"), n.one)
}

func (guardDutyNormalizer) one(rec record) (alert.Alert, bool, error) {
	// EventBridge events carry the finding under "detail".
	if d := member(rec.raw, "detail"); len(d) > 0 && d[0] == '{' && hasKey(rec.raw, "detail-type") {
		if err := validRaw(rec); err != nil {
			return alert.Alert{}, false, err
		}
		inner := record{raw: d, loc: rec.loc + ".detail"}
		a, emit, err := guardDutyNormalizer{}.finding(inner)
		a.Raw = rec.raw
		return a, emit, err
	}
	return guardDutyNormalizer{}.finding(rec)
}

func (guardDutyNormalizer) finding(rec record) (alert.Alert, bool, error) {
	var f gdFinding
	if err := decode(rec, &f); err != nil {
		return alert.Alert{}, false, err
	}
	if f.Severity.Set && (f.Severity.V < 0 || f.Severity.V > 10) {
		return alert.Alert{}, false, invalid(rec, "severity", "GuardDuty severity must be 0..10")
	}
	a := alert.Alert{
		Source:      alert.Source{Type: "guardduty", Vendor: "AWS", Product: "GuardDuty"},
		Title:       f.Title,
		Description: f.Description,
		SourceRef:   f.ID,
		Rule:        alert.Rule{ID: f.Type, Name: f.Type},
		Severity:    severityFrom10(f.Severity.V),
		EventTime:   parseTime(firstNonEmpty(string(f.Service.EventFirstSeen), string(f.CreatedAt))),
	}
	if f.Service.Archived {
		a.Status = alert.StatusSuppressed
	}
	// Finding type: ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact
	if purpose, _, ok := strings.Cut(f.Type, ":"); ok {
		if t, ok := guardDutyTactics[purpose]; ok {
			a.Tactics = append(a.Tactics, t)
		}
		addTags(&a, purpose)
	}
	addTags(&a, f.Resource.ResourceType, f.Service.FeatureName)
	if f.Service.AdditionalInfo != nil && f.Service.AdditionalInfo.Sample {
		addTags(&a, "sample")
	}

	var es entity.Set
	r := f.Resource
	if d := r.InstanceDetails; d != nil {
		es.Add(alert.EntityCloudID, d.InstanceID, entity.RoleResource)
		for _, ni := range d.NetworkInterfaces {
			es.Add(alert.EntityIP, ni.PrivateIPAddress, entity.RoleHost)
			es.Add(alert.EntityIP, ni.PublicIP, entity.RoleHost)
		}
	}
	if d := r.EksClusterDetails; d != nil {
		es.Add(alert.EntityCloudID, d.Arn, entity.RoleResource)
	}
	if d := r.RdsDbInstanceDetails; d != nil {
		es.Add(alert.EntityCloudID, d.DBInstanceArn, entity.RoleResource)
	}
	for _, b := range r.S3BucketDetails {
		es.Add(alert.EntityCloudID, b.Arn, entity.RoleResource)
	}
	if d := r.AccessKeyDetails; d != nil {
		es.Add(alert.EntityUser, d.UserName, entity.RoleActor)
		es.Add(alert.EntityCloudID, d.AccessKeyID, entity.RoleActor)
	}
	if d := r.KubernetesDetails; d != nil && d.KubernetesUserDetails != nil {
		es.Add(alert.EntityUser, d.KubernetesUserDetails.Username, entity.RoleActor)
	}
	if d := r.RdsDbUserDetails; d != nil {
		es.Add(alert.EntityUser, d.User, entity.RoleActor)
	}
	act := f.Service.Action
	addRemote := func(d gdIPDetails, role string) {
		es.Add(alert.EntityIP, d.IPAddressV4, role)
		es.Add(alert.EntityIP, d.IPAddressV6, role)
	}
	if x := act.DNSRequestAction; x != nil {
		es.Add(alert.EntityDomain, x.Domain, entity.RoleDst)
	}
	if x := act.NetworkConnectionAction; x != nil {
		role, local := entity.RoleSrc, entity.RoleDst
		if strings.EqualFold(x.ConnectionDirection, "OUTBOUND") {
			role, local = entity.RoleDst, entity.RoleSrc
		}
		addRemote(x.RemoteIPDetails, role)
		addRemote(x.LocalIPDetails, local) // the instance's own address
	}
	if x := act.AwsAPICallAction; x != nil {
		addRemote(x.RemoteIPDetails, entity.RoleSrc)
	}
	if x := act.KubernetesAPICallAction; x != nil {
		addRemote(x.RemoteIPDetails, entity.RoleSrc)
		es.AddAll(alert.EntityIP, x.SourceIPs, entity.RoleSrc)
	}
	if x := act.RdsLoginAttemptAction; x != nil {
		addRemote(x.RemoteIPDetails, entity.RoleSrc)
	}
	if x := act.PortProbeAction; x != nil {
		for _, p := range x.PortProbeDetails {
			addRemote(p.RemoteIPDetails, entity.RoleSrc)
			addRemote(p.LocalIPDetails, entity.RoleDst)
		}
	}
	if rd := f.Service.RuntimeDetails; rd != nil && rd.Process != nil {
		es.Add(alert.EntityProcess, firstNonEmpty(rd.Process.ExecutablePath, rd.Process.Name), entity.RoleProcess)
		es.Add(alert.EntitySHA256, rd.Process.ExecutableSha256, entity.RoleProcess)
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, gdMapped, gdExpected)
	return a, true, nil
}
