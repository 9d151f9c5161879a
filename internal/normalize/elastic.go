package normalize

import (
	"encoding/json"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// elasticNormalizer maps Elastic Security alerts: Elastic Defend endpoint
// alerts (ECS documents, data_stream endpoint.alerts) and Kibana
// detection-engine alerts (kibana.alert.* fields, flattened or nested),
// as documents, Elasticsearch hits ({"_source": ...}) or search responses.
type elasticNormalizer struct{}

func (elasticNormalizer) SourceType() string { return "elastic" }

type ecsHash struct {
	MD5    string `json:"md5"`
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
}

type ecsDoc struct {
	Timestamp string `json:"@timestamp"`
	Message   string `json:"message"`
	Event     struct {
		ID        string    `json:"id"`
		Code      string    `json:"code"`
		Action    string    `json:"action"`
		Severity  flexFloat `json:"severity"`
		RiskScore flexFloat `json:"risk_score"`
		Outcome   string    `json:"outcome"`
	} `json:"event"`
	Rule struct {
		ID          string `json:"id"`
		UUID        string `json:"uuid"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Ruleset     string `json:"ruleset"`
	} `json:"rule"`
	Host struct {
		Hostname string          `json:"hostname"`
		Name     string          `json:"name"`
		IP       json.RawMessage `json:"ip"`
	} `json:"host"`
	Source struct {
		IP string `json:"ip"`
	} `json:"source"`
	Destination struct {
		IP string `json:"ip"`
	} `json:"destination"`
	User struct {
		Name   string `json:"name"`
		Domain string `json:"domain"`
	} `json:"user"`
	Process struct {
		Name        string  `json:"name"`
		Executable  string  `json:"executable"`
		CommandLine string  `json:"command_line"`
		Hash        ecsHash `json:"hash"`
	} `json:"process"`
	File struct {
		Path string  `json:"path"`
		Name string  `json:"name"`
		Hash ecsHash `json:"hash"`
	} `json:"file"`
	URL struct {
		Full string `json:"full"`
	} `json:"url"`
	DNS struct {
		Question struct {
			Name string `json:"name"`
		} `json:"question"`
	} `json:"dns"`
	Threat json.RawMessage `json:"threat"`
}

var elasticMapped = set("@timestamp", "message", "event", "rule", "host", "source", "destination", "user", "process",
	"file", "url", "dns", "threat", "kibana")

var elasticExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qHost, qEntities}

// elasticRiskSeverity maps an Elastic risk score / event.severity 0..100
// with the detection-engine bands: 1-21 low, 22-47 medium, 48-73 high,
// 74-100 critical (0 unknown).
func elasticRiskSeverity(v float64) alert.Severity {
	switch {
	case v <= 0:
		return alert.SeverityUnknown
	case v <= 21:
		return alert.SeverityLow
	case v <= 47:
		return alert.SeverityMedium
	case v <= 73:
		return alert.SeverityHigh
	case v <= 100:
		return alert.SeverityCritical
	}
	return alert.SeverityUnknown
}

func (n elasticNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, expandHits, always(n.one))
}

// kibana reads a kibana.alert.* field, flattened ("kibana.alert.rule.name")
// or nested.
func kibana(obj []byte, field string) []byte {
	if v := member(obj, "kibana.alert."+field); v != nil {
		return v
	}
	return path(obj, append([]string{"kibana", "alert"}, strings.Split(field, ".")...)...)
}

func (elasticNormalizer) one(hit record) (alert.Alert, error) {
	rec := hit
	docID := ""
	if src := member(hit.raw, "_source"); len(src) > 0 && src[0] == '{' {
		if err := validRaw(hit); err != nil {
			return alert.Alert{}, err
		}
		rec = record{raw: src, loc: hit.loc + "._source"}
		docID = rawString(member(hit.raw, "_id"))
	}
	var d ecsDoc
	if err := decode(rec, &d); err != nil {
		return alert.Alert{}, err
	}
	obj := rec.raw
	a := alert.Alert{
		Source:    alert.Source{Type: "elastic", Vendor: "Elastic", Product: "Elastic Security"},
		EventTime: parseTime(firstNonEmpty(rawString(kibana(obj, "original_time")), d.Timestamp)),
	}
	ruleName := rawString(kibana(obj, "rule.name"))
	if ruleName != "" {
		a.Title = ruleName
		a.Description = firstNonEmpty(rawString(kibana(obj, "reason")), rawString(kibana(obj, "rule.description")))
		a.Rule = alert.Rule{ID: firstNonEmpty(rawString(kibana(obj, "rule.rule_id")), rawString(kibana(obj, "rule.uuid"))), Name: ruleName}
		a.SourceRef = firstNonEmpty(rawString(kibana(obj, "uuid")), docID)
		if sev, ok := severityFromText(rawString(kibana(obj, "severity"))); ok {
			a.Severity = sev
		} else if rs := scalar(kibana(obj, "risk_score")); rs != "" {
			a.Severity = genericSeverity(kibana(obj, "risk_score"), "")
		}
		switch rawString(kibana(obj, "workflow_status")) {
		case "closed":
			a.Status = alert.StatusResolved
		case "acknowledged":
			a.Status = alert.StatusTriaged
		}
		addTags(&a, stringList(kibana(obj, "rule.tags"))...)
		tac, tech := ecsThreat(kibana(obj, "rule.threat"))
		addTactics(&a, tac...)
		addTechniques(&a, tech...)
	} else {
		// Elastic Defend endpoint alert.
		a.Title = firstNonEmpty(d.Rule.Name, d.Message)
		a.Description = firstNonEmpty(d.Rule.Description, d.Message)
		a.Rule = alert.Rule{ID: firstNonEmpty(d.Rule.ID, d.Rule.UUID, d.Event.Code), Name: firstNonEmpty(d.Rule.Name, d.Message)}
		a.SourceRef = firstNonEmpty(d.Event.ID, docID)
		if d.Event.Severity.Set {
			a.Severity = elasticRiskSeverity(d.Event.Severity.V)
		} else if d.Event.RiskScore.Set {
			a.Severity = elasticRiskSeverity(d.Event.RiskScore.V)
		}
		addTags(&a, d.Event.Code, d.Event.Action, d.Rule.Ruleset)
	}
	tac, tech := ecsThreat(d.Threat)
	addTactics(&a, tac...)
	addTechniques(&a, tech...)

	var es entity.Set
	es.Add(alert.EntityHostname, firstNonEmpty(d.Host.Hostname, d.Host.Name), entity.RoleHost)
	es.AddAll(alert.EntityIP, stringList(d.Host.IP), entity.RoleHost)
	es.Add(alert.EntityIP, d.Source.IP, entity.RoleSrc)
	es.Add(alert.EntityIP, d.Destination.IP, entity.RoleDst)
	user := d.User.Name
	if user != "" && d.User.Domain != "" {
		user = d.User.Domain + `\` + user
	}
	es.Add(alert.EntityUser, user, entity.RoleActor)
	es.Add(alert.EntityProcess, firstNonEmpty(d.Process.Executable, d.Process.Name), entity.RoleProcess)
	for _, h := range []string{d.Process.Hash.MD5, d.Process.Hash.SHA1, d.Process.Hash.SHA256} {
		es.AddHash(h, entity.RoleProcess)
	}
	es.Add(alert.EntityFile, firstNonEmpty(d.File.Path, d.File.Name), entity.RoleFile)
	for _, h := range []string{d.File.Hash.MD5, d.File.Hash.SHA1, d.File.Hash.SHA256} {
		es.AddHash(h, entity.RoleFile)
	}
	es.Add(alert.EntityURL, d.URL.Full, entity.RoleRelated)
	es.Add(alert.EntityDomain, d.DNS.Question.Name, entity.RoleRelated)
	a.Entities = es.Entities()
	finish(&a, rec, obj, elasticMapped, elasticExpected)
	a.Raw = hit.raw
	return a, nil
}

// ecsThreat reads ECS threat objects (one object or an array): tactic
// names/ids and technique/subtechnique ids, each a string or an array.
func ecsThreat(v []byte) (tactics, techniques []string) {
	if len(v) == 0 || isEmptyJSON(v) {
		return nil, nil
	}
	objs := [][]byte{v}
	if v[0] == '[' {
		objs, _ = elements(v)
	}
	for _, o := range objs {
		for _, tac := range objOrArray(member(o, "tactic")) {
			tactics = append(tactics, stringList(member(tac, "name"))...)
			tactics = append(tactics, stringList(member(tac, "id"))...)
		}
		for _, tech := range objOrArray(member(o, "technique")) {
			techniques = append(techniques, stringList(member(tech, "id"))...)
			for _, sub := range objOrArray(member(tech, "subtechnique")) {
				techniques = append(techniques, stringList(member(sub, "id"))...)
			}
		}
	}
	return tactics, techniques
}

func objOrArray(v []byte) [][]byte {
	if len(v) == 0 {
		return nil
	}
	if v[0] == '[' {
		els, _ := elements(v)
		return els
	}
	return [][]byte{v}
}
