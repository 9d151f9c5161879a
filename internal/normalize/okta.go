package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// oktaNormalizer maps Okta System Log events (/api/v1/logs objects, an
// array of them, NDJSON, or an Event Hook {"data": {"events": [...]}}).
type oktaNormalizer struct{}

func (oktaNormalizer) SourceType() string { return "okta" }

type oktaActor struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

type oktaEvent struct {
	UUID           string      `json:"uuid"`
	Published      string      `json:"published"`
	EventType      string      `json:"eventType"`
	DisplayMessage string      `json:"displayMessage"`
	Severity       string      `json:"severity"`
	Actor          oktaActor   `json:"actor"`
	Target         []oktaActor `json:"target"`
	Client         struct {
		IPAddress string `json:"ipAddress"`
	} `json:"client"`
	Outcome struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
	} `json:"outcome"`
	Request struct {
		IPChain []struct {
			IP string `json:"ip"`
		} `json:"ipChain"`
	} `json:"request"`
}

var oktaMapped = set("uuid", "published", "eventType", "displayMessage", "severity", "actor", "target", "client", "outcome", "request")

var oktaExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qNetwork, qEntities}

// oktaEventTypes are event types that are detections: severity floor,
// tactic and technique.
var oktaEventTypes = map[string]struct {
	sev       alert.Severity
	tactic    string
	technique string
}{
	"security.threat.detected":            {alert.SeverityMedium, "credential-access", "T1110"},
	"user.account.lock":                   {alert.SeverityMedium, "credential-access", "T1110"},
	"security.attack.start":               {alert.SeverityHigh, "credential-access", "T1110"},
	"user.mfa.attempt_bypass":             {alert.SeverityHigh, "credential-access", "T1111"},
	"user.session.impersonation.initiate": {alert.SeverityMedium, "privilege-escalation", "T1078.004"},
}

// oktaSeverity maps the System Log severity: DEBUG and INFO informational,
// WARN medium, ERROR high.
func oktaSeverity(s string) alert.Severity {
	switch strings.ToUpper(s) {
	case "DEBUG", "INFO":
		return alert.SeverityInformational
	case "WARN":
		return alert.SeverityMedium
	case "ERROR":
		return alert.SeverityHigh
	}
	return alert.SeverityUnknown
}

func (n oktaNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, expandOktaEvents, always(n.one))
}

func (oktaNormalizer) one(rec record) (alert.Alert, error) {
	var e oktaEvent
	if err := decode(rec, &e); err != nil {
		return alert.Alert{}, err
	}
	if e.EventType == "" {
		return alert.Alert{}, invalid(rec, "eventType", "required")
	}
	a := alert.Alert{
		Source:    alert.Source{Type: "okta", Vendor: "Okta", Product: "Okta System Log"},
		Title:     firstNonEmpty(e.DisplayMessage, e.EventType),
		SourceRef: e.UUID,
		Rule:      alert.Rule{ID: e.EventType, Name: e.EventType},
		Severity:  oktaSeverity(e.Severity),
		EventTime: parseTime(e.Published),
	}
	if e.Outcome.Result != "" {
		a.Description = strings.TrimSuffix(e.Outcome.Result+": "+e.Outcome.Reason, ": ")
		addTags(&a, "outcome:"+strings.ToLower(e.Outcome.Result))
	}
	if d, ok := oktaEventTypes[e.EventType]; ok {
		if a.Severity < d.sev {
			a.Severity = d.sev
		}
		a.Tactics = []string{d.tactic}
		a.Techniques = []string{d.technique}
	}
	var es entity.Set
	addActor := func(x oktaActor, role string) {
		switch strings.ToLower(x.Type) {
		case "ip address":
			es.Add(alert.EntityIP, x.AlternateID, entity.RoleSrc)
			es.Add(alert.EntityIP, x.ID, entity.RoleSrc)
		case "user", "publicclientapp", "":
			if !es.Add(alert.EntityEmail, x.AlternateID, role) {
				es.Add(alert.EntityUser, x.AlternateID, role)
			}
			if strings.EqualFold(x.Type, "user") {
				es.Add(alert.EntityUser, x.DisplayName, role)
			}
		}
	}
	addActor(e.Actor, entity.RoleActor)
	for _, t := range e.Target {
		addActor(t, entity.RoleTarget)
	}
	es.Add(alert.EntityIP, e.Client.IPAddress, entity.RoleSrc)
	for _, ip := range e.Request.IPChain {
		es.Add(alert.EntityIP, ip.IP, entity.RoleSrc)
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, oktaMapped, oktaExpected)
	return a, nil
}

// expandOktaEvents expands an Okta hook payload (data.events) into its
// events; a bare System Log event stands for itself.
func expandOktaEvents(r record) []record {
	if dd := member(r.raw, "data"); dd != nil {
		if inner, ok := unwrap(record{raw: dd, loc: r.loc + ".data"}, "events"); ok {
			return inner
		}
	}
	return []record{r}
}
