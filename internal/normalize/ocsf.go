package normalize

import (
	"encoding/json"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// ocsfNormalizer maps OCSF Detection Findings (class_uid 2004, and the
// legacy Security Finding 2001), one object, an array or NDJSON.
type ocsfNormalizer struct{}

func (ocsfNormalizer) SourceType() string { return "ocsf" }

type ocsfNamed struct {
	UID  string `json:"uid"`
	Name string `json:"name"`
}

type ocsfAttack struct {
	Tactic       *ocsfNamed  `json:"tactic"`
	Tactics      []ocsfNamed `json:"tactics"`
	Technique    *ocsfNamed  `json:"technique"`
	SubTechnique *ocsfNamed  `json:"sub_technique"`
}

type ocsfEndpoint struct {
	IP       string `json:"ip"`
	Hostname string `json:"hostname"`
	Domain   string `json:"domain"`
}

type ocsfUser struct {
	Name      string `json:"name"`
	EmailAddr string `json:"email_addr"`
}

type ocsfEvidence struct {
	SrcEndpoint *ocsfEndpoint `json:"src_endpoint"`
	DstEndpoint *ocsfEndpoint `json:"dst_endpoint"`
	Actor       *struct {
		User *ocsfUser `json:"user"`
	} `json:"actor"`
	Process *struct {
		Name string `json:"name"`
	} `json:"process"`
	File *struct {
		Name   string `json:"name"`
		Path   string `json:"path"`
		Hashes []struct {
			Value string `json:"value"`
		} `json:"hashes"`
	} `json:"file"`
	URL *struct {
		URLString string `json:"url_string"`
	} `json:"url"`
}

type ocsfFinding struct {
	ClassUID    flexFloat `json:"class_uid"`
	Time        flexFloat `json:"time"`
	TimeDt      string    `json:"time_dt"`
	SeverityID  flexFloat `json:"severity_id"`
	Message     string    `json:"message"`
	StatusID    flexFloat `json:"status_id"`
	FindingInfo struct {
		CreatedTime   flexFloat    `json:"created_time"`
		FirstSeenTime flexFloat    `json:"first_seen_time"`
		UID           string       `json:"uid"`
		Title         string       `json:"title"`
		Desc          string       `json:"desc"`
		Types         []string     `json:"types"`
		Attacks       []ocsfAttack `json:"attacks"`
		Analytic      *ocsfNamed   `json:"analytic"`
	} `json:"finding_info"`
	// Security Finding (2001, OCSF 1.0): the finding object, state and risk level.
	Finding struct {
		UID           string    `json:"uid"`
		Title         string    `json:"title"`
		Desc          string    `json:"desc"`
		Types         []string  `json:"types"`
		CreatedTime   flexFloat `json:"created_time"`
		FirstSeenTime flexFloat `json:"first_seen_time"`
	} `json:"finding"`
	StateID     flexFloat    `json:"state_id"`
	State       string       `json:"state"`
	RiskLevelID flexFloat    `json:"risk_level_id"`
	RiskLevel   string       `json:"risk_level"`
	RiskScore   flexFloat    `json:"risk_score"`
	Analytic    *ocsfNamed   `json:"analytic"`
	Attacks     []ocsfAttack `json:"attacks"`
	Metadata    struct {
		EventCode string `json:"event_code"`
		Product   struct {
			Name       string `json:"name"`
			VendorName string `json:"vendor_name"`
		} `json:"product"`
	} `json:"metadata"`
	Resources []struct {
		UID  string `json:"uid"`
		Name string `json:"name"`
	} `json:"resources"`
	Evidences   []ocsfEvidence `json:"evidences"`
	Observables []struct {
		TypeID flexFloat `json:"type_id"`
		Value  string    `json:"value"`
	} `json:"observables"`
	Device *struct {
		Hostname string `json:"hostname"`
		IP       string `json:"ip"`
		Name     string `json:"name"`
	} `json:"device"`
	Actor *struct {
		User *ocsfUser `json:"user"`
	} `json:"actor"`
	SrcEndpoint *ocsfEndpoint `json:"src_endpoint"`
	DstEndpoint *ocsfEndpoint `json:"dst_endpoint"`
	Unmapped    struct {
		Compliance map[string]json.RawMessage `json:"compliance"`
	} `json:"unmapped"`
}

var ocsfMapped = set("class_uid", "time", "time_dt", "severity_id", "severity", "message", "status_id", "status",
	"finding_info", "attacks", "metadata", "resources", "evidences", "observables", "device", "actor",
	"src_endpoint", "dst_endpoint", "class_name", "category_uid", "category_name", "type_uid", "type_name",
	"activity_id", "activity_name", "finding", "state_id", "state", "risk_level_id", "risk_level", "risk_score", "analytic")

var ocsfExpected = []string{qEventTime, qSeverity, qTitle, qDescription, qSourceRef, qRule, qEntities}

func (n ocsfNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes(), n.one)
}

func (ocsfNormalizer) one(rec record) (alert.Alert, bool, error) {
	var f ocsfFinding
	if err := decode(rec, &f); err != nil {
		return alert.Alert{}, false, err
	}
	if c := f.ClassUID.V; c < 2000 || c > 2099 {
		return alert.Alert{}, false, invalid(rec, "class_uid", "must be an OCSF Findings class (2001 Security Finding, 2004 Detection Finding, 20xx)")
	}
	sev := alert.Severity(f.SeverityID.V)
	if f.SeverityID.V != float64(int(f.SeverityID.V)) || !validSeverity(sev) {
		return alert.Alert{}, false, invalid(rec, "severity_id", "must be an OCSF severity id (0-6 or 99)")
	}
	if sev == alert.SeverityUnknown || sev == alert.SeverityOther {
		sev = ocsfRisk(f.RiskLevelID, f.RiskLevel, f.RiskScore, sev)
	}
	fi := f.FindingInfo
	fd := f.Finding // 2001 (OCSF 1.0) names it "finding"
	a := alert.Alert{
		Source:      alert.Source{Type: "ocsf", Vendor: f.Metadata.Product.VendorName, Product: f.Metadata.Product.Name},
		Title:       firstNonEmpty(fi.Title, fd.Title, f.Message),
		Description: firstNonEmpty(fi.Desc, fd.Desc),
		SourceRef:   firstNonEmpty(fi.UID, fd.UID),
		Severity:    sev,
		EventTime:   parseTime(f.TimeDt),
	}
	if a.Description == "" && (fi.Title != "" || fd.Title != "") {
		a.Description = f.Message
	}
	for _, t := range []flexFloat{f.Time, fi.FirstSeenTime, fd.FirstSeenTime, fi.CreatedTime, fd.CreatedTime} {
		if a.EventTime.IsZero() && t.Set {
			a.EventTime = epochTime(t.V)
		}
	}
	for _, an := range []*ocsfNamed{fi.Analytic, f.Analytic} {
		if an != nil && a.Rule.ID == "" && a.Rule.Name == "" {
			a.Rule = alert.Rule{ID: an.UID, Name: an.Name}
		}
	}
	// status_id (2004) / state_id (2001): 1 new, 2 in progress, 3 suppressed, 4 resolved.
	st := f.StatusID.V
	if !f.StatusID.Set {
		st = f.StateID.V
	}
	switch st {
	case 2:
		a.Status = alert.StatusTriaged
	case 3:
		a.Status = alert.StatusSuppressed
	case 4:
		a.Status = alert.StatusResolved
	}
	if !f.StatusID.Set && !f.StateID.Set {
		switch strings.ToLower(f.State) {
		case "resolved":
			a.Status = alert.StatusResolved
		case "suppressed":
			a.Status = alert.StatusSuppressed
		}
	}
	fi.Types = append(fi.Types, fd.Types...)
	for _, at := range append(fi.Attacks, f.Attacks...) {
		if at.Tactic != nil {
			addTactics(&a, at.Tactic.Name, at.Tactic.UID)
		}
		for _, t := range at.Tactics {
			addTactics(&a, t.Name, t.UID)
		}
		if at.Technique != nil {
			addTechniques(&a, at.Technique.UID)
		}
		if at.SubTechnique != nil {
			addTechniques(&a, at.SubTechnique.UID)
		}
	}
	for k, v := range f.Unmapped.Compliance {
		if strings.Contains(strings.ToUpper(k), "MITRE") {
			var ids []string
			if json.Unmarshal(v, &ids) == nil {
				addTechniques(&a, ids...)
			}
		}
	}
	for _, t := range fi.Types {
		if ttp := ttpType(&a, t); ttp != "" && a.Rule.ID == "" {
			a.Rule = alert.Rule{ID: ttp, Name: ttp}
		}
	}
	addTags(&a, fi.Types...)

	if a.Rule.ID == "" && a.Rule.Name == "" {
		a.Rule = alert.Rule{ID: f.Metadata.EventCode, Name: f.Metadata.EventCode}
	}
	var es entity.Set
	for _, r := range f.Resources {
		es.Add(alert.EntityCloudID, r.UID, entity.RoleResource)
	}
	if d := f.Device; d != nil {
		es.Add(alert.EntityHostname, firstNonEmpty(d.Hostname, d.Name), entity.RoleHost)
		es.Add(alert.EntityIP, d.IP, entity.RoleHost)
	}
	addEndpoint := func(e *ocsfEndpoint, role string) {
		if e != nil {
			es.Add(alert.EntityIP, e.IP, role)
			es.Add(alert.EntityHostname, e.Hostname, role)
			es.Add(alert.EntityDomain, e.Domain, role)
		}
	}
	addUser := func(u *ocsfUser) {
		if u != nil {
			es.Add(alert.EntityUser, u.Name, entity.RoleActor)
			es.Add(alert.EntityEmail, u.EmailAddr, entity.RoleActor)
		}
	}
	addEndpoint(f.SrcEndpoint, entity.RoleSrc)
	addEndpoint(f.DstEndpoint, entity.RoleDst)
	if f.Actor != nil {
		addUser(f.Actor.User)
	}
	for _, ev := range f.Evidences {
		addEndpoint(ev.SrcEndpoint, entity.RoleSrc)
		addEndpoint(ev.DstEndpoint, entity.RoleDst)
		if ev.Actor != nil {
			addUser(ev.Actor.User)
		}
		if ev.Process != nil {
			es.Add(alert.EntityProcess, ev.Process.Name, entity.RoleProcess)
		}
		if fl := ev.File; fl != nil {
			es.Add(alert.EntityFile, firstNonEmpty(fl.Path, fl.Name), entity.RoleFile)
			for _, h := range fl.Hashes {
				es.AddHash(h.Value, entity.RoleFile)
			}
		}
		if ev.URL != nil {
			es.Add(alert.EntityURL, ev.URL.URLString, entity.RoleRelated)
		}
	}
	for _, o := range f.Observables {
		if t, ok := ocsfObservableTypes[int(o.TypeID.V)]; ok {
			if t == "hash" {
				es.AddHash(o.Value, entity.RoleRelated)
			} else {
				es.Add(t, o.Value, entity.RoleRelated)
			}
		}
	}
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, ocsfMapped, ocsfExpected)
	return a, true, nil
}

// ocsfObservableTypes maps OCSF observable type_id to entity types.
var ocsfObservableTypes = map[int]alert.EntityType{
	1: alert.EntityHostname, 2: alert.EntityIP, 4: alert.EntityUser, 5: alert.EntityEmail,
	6: alert.EntityURL, 7: alert.EntityFile, 8: "hash", 9: alert.EntityProcess, 10: alert.EntityCloudID,
}

// ocsfRisk reads the risk level of a finding whose severity_id is
// unknown: risk_level_id 0 info, 1 low, 2 medium, 3 high, 4 critical,
// else the risk_level word, else the 0..100 risk_score.
func ocsfRisk(id flexFloat, level string, score flexFloat, fallback alert.Severity) alert.Severity {
	if id.Set && id.V >= 0 && id.V <= 4 && id.V == float64(int(id.V)) {
		return alert.SeverityInformational + alert.Severity(id.V)
	}
	if s, ok := severityFromText(level); ok {
		return s
	}
	if score.Set && score.V > 0 && score.V <= 100 {
		return severityFrom100(score.V)
	}
	return fallback
}
