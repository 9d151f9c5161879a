package normalize

import (
	"encoding/json"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// cloudTrailNormalizer maps AWS CloudTrail records (one record, NDJSON, or
// a {"Records": [...]} log file / EventBridge event). CloudTrail records
// are activity, not detections: each record becomes an informational alert
// unless it failed or is a security-sensitive API call (see ctSensitive).
type cloudTrailNormalizer struct{}

func (cloudTrailNormalizer) SourceType() string { return "cloudtrail" }

type ctRecord struct {
	EventTime       string `json:"eventTime"`
	EventSource     string `json:"eventSource"`
	EventName       string `json:"eventName"`
	AwsRegion       string `json:"awsRegion"`
	SourceIPAddress string `json:"sourceIPAddress"`
	UserAgent       string `json:"userAgent"`
	ErrorCode       string `json:"errorCode"`
	ErrorMessage    string `json:"errorMessage"`
	EventID         string `json:"eventID"`
	// RequestParameters name the target of IAM changes (userName,
	// roleName, groupName, accessKeyId, policyArn...).
	RequestParameters json.RawMessage `json:"requestParameters"`
	EventType         string          `json:"eventType"`
	UserIdentity      struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		Arn         string `json:"arn"`
		AccessKeyID string `json:"accessKeyId"`
		UserName    string `json:"userName"`
		InvokedBy   string `json:"invokedBy"`
		OnBehalfOf  *struct {
			UserID string `json:"userId"`
		} `json:"onBehalfOf"`
		SessionContext *struct {
			SessionIssuer *struct {
				UserName string `json:"userName"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
	ServiceEventDetails json.RawMessage `json:"serviceEventDetails"`
	Resources           json.RawMessage `json:"resources"`
}

var ctMapped = set("eventTime", "eventSource", "eventName", "sourceIPAddress", "errorCode", "errorMessage",
	"eventID", "userIdentity", "responseElements", "resources")

var ctExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qUser, qNetwork}

// ctSensitive lists API calls that are detections in themselves: severity,
// tactic and technique.
var ctSensitive = map[string]struct {
	sev       alert.Severity
	tactic    string
	technique string
}{
	"StopLogging":                   {alert.SeverityMedium, "defense-evasion", "T1562.008"},
	"DeleteTrail":                   {alert.SeverityMedium, "defense-evasion", "T1562.008"},
	"UpdateTrail":                   {alert.SeverityMedium, "defense-evasion", "T1562.008"},
	"PutEventSelectors":             {alert.SeverityMedium, "defense-evasion", "T1562.008"},
	"DeleteFlowLogs":                {alert.SeverityMedium, "defense-evasion", "T1562.008"},
	"DeleteDetector":                {alert.SeverityMedium, "defense-evasion", "T1562.001"},
	"DisableSecurityHub":            {alert.SeverityMedium, "defense-evasion", "T1562.001"},
	"CreateAccessKey":               {alert.SeverityLow, "persistence", "T1098.001"},
	"CreateLoginProfile":            {alert.SeverityLow, "persistence", "T1098.001"},
	"UpdateLoginProfile":            {alert.SeverityLow, "persistence", "T1098.001"},
	"AttachUserPolicy":              {alert.SeverityLow, "privilege-escalation", "T1098.003"},
	"PutUserPolicy":                 {alert.SeverityLow, "privilege-escalation", "T1098.003"},
	"GetSecretValue":                {alert.SeverityInformational, "credential-access", "T1555.006"},
	"PutBucketPolicy":               {alert.SeverityLow, "defense-evasion", "T1222"},
	"ConsoleLogin":                  {alert.SeverityInformational, "initial-access", "T1078.004"},
	"AuthorizeSecurityGroupIngress": {alert.SeverityLow, "defense-evasion", "T1562.007"},
}

func (n cloudTrailNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("Records"), n.one)
}

func (cloudTrailNormalizer) one(rec record) (alert.Alert, bool, error) {
	if d := member(rec.raw, "detail"); len(d) > 0 && d[0] == '{' && hasKey(rec.raw, "detail-type") {
		if err := validRaw(rec); err != nil {
			return alert.Alert{}, false, err
		}
		inner := record{raw: d, loc: rec.loc + ".detail"}
		a, emit, err := cloudTrailNormalizer{}.record(inner)
		a.Raw = rec.raw
		return a, emit, err
	}
	return cloudTrailNormalizer{}.record(rec)
}

func (cloudTrailNormalizer) record(rec record) (alert.Alert, bool, error) {
	var r ctRecord
	if err := decode(rec, &r); err != nil {
		return alert.Alert{}, false, err
	}
	if r.EventName == "" {
		return alert.Alert{}, false, invalid(rec, "eventName", "required")
	}
	ui := r.UserIdentity
	user := ui.UserName
	if user == "" && ui.SessionContext != nil && ui.SessionContext.SessionIssuer != nil {
		user = ui.SessionContext.SessionIssuer.UserName
	}
	if user == "" {
		user = rawString(path(r.AdditionalEventData, "UserName"))
	}
	if user == "" && ui.Arn != "" {
		user = ui.Arn[strings.LastIndexByte(ui.Arn, '/')+1:]
	}
	if user == "" && ui.Type == "Root" {
		user = "root"
	}
	outcome := ""
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		outcome = "failed"
	}
	for _, k := range []string{"ConsoleLogin", "CredentialChallenge"} {
		switch rawString(member(r.ResponseElements, k)) + rawString(member(r.ServiceEventDetails, k)) {
		case "Failure":
			outcome = "failed"
		case "Success":
			if outcome == "" {
				outcome = "succeeded"
			}
		}
	}
	a := alert.Alert{
		Source:    alert.Source{Type: "cloudtrail", Vendor: "AWS", Product: "CloudTrail"},
		SourceRef: r.EventID,
		Rule:      alert.Rule{ID: r.EventSource + ":" + r.EventName, Name: r.EventName},
		EventTime: parseTime(r.EventTime),
		Severity:  alert.SeverityInformational,
	}
	a.Title = "AWS " + r.EventName
	if user != "" {
		a.Title += " by " + user
	}
	if outcome != "" {
		a.Title += " " + outcome
	}
	a.Description = strings.TrimSpace(r.EventSource + " " + r.EventName + " in " + r.AwsRegion + ". " + r.ErrorCode + " " + r.ErrorMessage)
	if s, ok := ctSensitive[r.EventName]; ok {
		a.Severity = s.sev
		a.Tactics = []string{s.tactic}
		a.Techniques = []string{s.technique}
	}
	if outcome == "failed" && a.Severity < alert.SeverityLow {
		a.Severity = alert.SeverityLow
	}
	if ui.Type == "Root" && a.Severity < alert.SeverityMedium {
		a.Severity = alert.SeverityMedium
		addTags(&a, "root")
	}
	addTags(&a, ui.Type, outcome)
	var es entity.Set
	es.Add(alert.EntityUser, user, entity.RoleActor)
	es.Add(alert.EntityCloudID, ui.Arn, entity.RoleActor)
	es.Add(alert.EntityCloudID, ui.AccessKeyID, entity.RoleActor)
	if ui.OnBehalfOf != nil {
		es.Add(alert.EntityUser, ui.OnBehalfOf.UserID, entity.RoleActor)
	}
	if !es.Add(alert.EntityIP, r.SourceIPAddress, entity.RoleSrc) {
		es.Add(alert.EntityDomain, r.SourceIPAddress, entity.RoleSrc) // AWS service principal, e.g. ecs.amazonaws.com
	}
	if p := r.RequestParameters; len(p) > 0 && p[0] == '{' {
		for _, k := range []string{"userName", "roleName"} { // IAM identities the call changes
			es.Add(alert.EntityUser, rawString(member(p, k)), entity.RoleTarget)
		}
		for _, k := range []string{"accessKeyId", "policyArn", "roleArn", "groupName", "instanceProfileName", "bucketName", "secretId", "trailName", "name"} {
			if v := rawString(member(p, k)); v != "" && (k != "name" || strings.HasPrefix(v, "arn:")) {
				es.Add(alert.EntityCloudID, v, entity.RoleTarget)
			}
		}
	}
	if els, ok := elements(r.Resources); ok {
		for _, e := range els {
			es.Add(alert.EntityCloudID, rawString(member(e, "ARN")), entity.RoleResource)
		}
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, ctMapped, ctExpected)
	return a, true, nil
}
