// Package correlate groups related alerts into incidents. Rules are
// versioned data (JSON) with conditions in CEL over the normalized alert,
// group-by keys, a window on event time with allowed lateness, and gates
// on count, distinct cardinality and ATT&CK progression. Grouping state
// lives in the database (restart-safe; one group key of a rule in a time
// bucket is one group across replicas, by primary key), every grouping
// stores its explanation, and incidents are written through the incident
// module's facade. The engine is fed by alert.ingested.v1 events.
package correlate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/incident"
)

// Kind is what a rule looks for.
type Kind string

// Rule kinds.
const (
	// KindSharedEntities groups alerts sharing an entity of the group-by
	// types (a user, a host, ...).
	KindSharedEntities Kind = "shared_entities"
	// KindProgression groups alerts on the same host or user whose ATT&CK
	// tactics advance along the kill chain (at least MinTactics stages, in
	// event-time order).
	KindProgression Kind = "attack_progression"
	// KindBurst groups many alerts of one rule (the storm guardrail).
	KindBurst Kind = "burst"
	// KindIntelMatch groups alerts matching threat-intel indicators, fed
	// by intel.matched.v1 events, by the matched indicator or entity.
	KindIntelMatch Kind = "intel_match"
)

// Kinds lists every rule kind.
var Kinds = []Kind{KindSharedEntities, KindProgression, KindBurst, KindIntelMatch}

// Outcome is what a rule does when a group passes its gates.
type Outcome string

// Outcomes.
const (
	// OutcomeOpen opens an incident for the group (or adopts the open
	// incident its alerts are already in) and attaches later alerts.
	OutcomeOpen Outcome = "open_incident"
	// OutcomeAttach only adds alerts to an open incident the group's
	// alerts are already in; it never opens one.
	OutcomeAttach Outcome = "attach"
	// OutcomePropose makes the group an incident candidate that an analyst
	// accepts (an incident with its alerts opens) or rejects.
	OutcomePropose Outcome = "propose"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeOpen, OutcomeAttach, OutcomePropose}

// Group-by fields besides entity types.
const (
	FieldSource = "source_type"
	FieldRule   = "rule_id"
	// FieldIndicator groups intel_match rules by the matched threat-intel
	// indicator (its id), whatever entity matched it.
	FieldIndicator = "indicator"
)

// Window bounds.
const (
	MinWindow   = time.Minute
	MaxWindow   = 7 * 24 * time.Hour
	MaxLateness = 24 * time.Hour
)

// Distinct is a distinct-cardinality gate: at least Count different values
// of Field (an entity type, source_type or rule_id) among the group's
// alerts.
type Distinct struct {
	Field string `json:"field" maxLength:"32"`
	Count int    `json:"count" minimum:"2" maximum:"1000"`
}

// CorrelationRule is one correlation rule.
type CorrelationRule struct {
	Key         string   `json:"key" minLength:"1" maxLength:"64" pattern:"^[a-z0-9][a-z0-9_-]*$"`
	Version     int      `json:"version" doc:"Bumped by every change; explanations name the version that grouped"`
	Name        string   `json:"name" minLength:"1" maxLength:"100"`
	Description string   `json:"description,omitempty" maxLength:"2000"`
	Enabled     bool     `json:"enabled"`
	Kind        Kind     `json:"kind" enum:"shared_entities,attack_progression,burst,intel_match"`
	Condition   string   `json:"condition,omitempty" maxLength:"4000" doc:"CEL over alert (title, description, severity_id, severity, source_type, vendor, product, rule_id, rule_name, tactics, techniques, tags, entities [{type, value, role}], entity_values map type → [values]); empty matches every alert"`
	GroupBy     []string `json:"group_by" minItems:"1" maxItems:"10" doc:"Entity types (user, hostname, ip, email, sha256, ...): alerts sharing any value group together; source_type and rule_id: alerts must also agree on them"`
	// WindowSeconds is the grouping window on event time.
	WindowSeconds   int       `json:"window_seconds" minimum:"60" maximum:"604800"`
	LatenessSeconds int       `json:"lateness_seconds,omitempty" minimum:"0" maximum:"86400" doc:"How long after its window an alert (by event time) may still join a group"`
	MinCount        int       `json:"min_count" minimum:"1" maximum:"100000" doc:"Alerts a group needs before it opens an incident"`
	MinDistinct     *Distinct `json:"min_distinct,omitempty"`
	MinTactics      int       `json:"min_tactics,omitempty" minimum:"0" maximum:"14" doc:"attack_progression: kill-chain stages the group must advance through (at least 2)"`
	Outcome         Outcome   `json:"outcome" enum:"open_incident,attach,propose" doc:"open_incident: open one; attach: only join an open incident the alerts are in; propose: an incident candidate an analyst accepts or rejects"`
	Severity        string    `json:"severity,omitempty" enum:"informational,low,medium,high,critical" doc:"Severity of the incident it opens; default the alerts' highest"`
	// Shipped is true for rules that ship with SecureNexus (an org edit
	// keeps the key; deleting it restores the shipped rule).
	Shipped bool `json:"shipped"`
}

// Window is the rule's window.
func (r *CorrelationRule) Window() time.Duration { return time.Duration(r.WindowSeconds) * time.Second }

// Lateness is the rule's allowed lateness.
func (r *CorrelationRule) Lateness() time.Duration {
	return time.Duration(r.LatenessSeconds) * time.Second
}

var ruleKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var entityTypes = []alert.EntityType{alert.EntityIP, alert.EntityDomain, alert.EntityURL, alert.EntityHostname, alert.EntityUser,
	alert.EntityEmail, alert.EntityMD5, alert.EntitySHA1, alert.EntitySHA256, alert.EntityProcess, alert.EntityFile, alert.EntityCloudID}

func isEntityType(s string) bool { return slices.Contains(entityTypes, alert.EntityType(s)) }

func validField(s string) bool { return isEntityType(s) || s == FieldSource || s == FieldRule }

func validGroupBy(s string, k Kind) bool {
	return validField(s) || (s == FieldIndicator && k == KindIntelMatch)
}

// Validate checks r, compiling its condition; every error names its field
// under prefix ("body."), CEL errors with line and column.
func (r *CorrelationRule) Validate(prefix string) error {
	var fields []apperr.FieldError
	bad := func(name, msg string) { fields = append(fields, apperr.Field(prefix+name, msg)) }
	if !ruleKeyRe.MatchString(r.Key) {
		bad("key", "lower-case letters, digits, _ and -, at most 64")
	}
	if strings.TrimSpace(r.Name) == "" || len(r.Name) > 100 {
		bad("name", "a name is 1 to 100 characters")
	}
	if len(r.Description) > 2000 {
		bad("description", "at most 2000 characters")
	}
	if !slices.Contains(Kinds, r.Kind) {
		bad("kind", "one of shared_entities, attack_progression, burst, intel_match")
	}
	if !slices.Contains(Outcomes, r.Outcome) {
		bad("outcome", "one of open_incident, attach, propose")
	}
	if len(r.GroupBy) == 0 || len(r.GroupBy) > 10 {
		bad("group_by", "name 1 to 10 fields")
	}
	entityKeys := 0
	for i, g := range r.GroupBy {
		switch {
		case g == FieldIndicator && r.Kind != KindIntelMatch:
			bad(fmt.Sprintf("group_by[%d]", i), "indicator groups only intel_match rules")
		case !validGroupBy(g, r.Kind):
			bad(fmt.Sprintf("group_by[%d]", i), "an entity type ("+joinTypes()+"), source_type or rule_id")
		case slices.Index(r.GroupBy, g) != i:
			bad(fmt.Sprintf("group_by[%d]", i), "named twice")
		case isEntityType(g) || g == FieldIndicator:
			entityKeys++
		}
	}
	if (r.Kind == KindSharedEntities || r.Kind == KindProgression || r.Kind == KindIntelMatch) && entityKeys == 0 && len(r.GroupBy) > 0 {
		bad("group_by", string(r.Kind)+" rules group by at least one entity type")
	}
	if w := r.Window(); w < MinWindow || w > MaxWindow {
		bad("window_seconds", "from 60 (1 minute) to 604800 (7 days)")
	}
	if l := r.Lateness(); l < 0 || l > MaxLateness {
		bad("lateness_seconds", "from 0 to 86400 (1 day)")
	}
	if r.MinCount < 1 || r.MinCount > 100000 {
		bad("min_count", "from 1 to 100000")
	}
	if d := r.MinDistinct; d != nil {
		if !validField(d.Field) {
			bad("min_distinct.field", "an entity type, source_type or rule_id")
		}
		if d.Count < 2 || d.Count > 1000 {
			bad("min_distinct.count", "from 2 to 1000")
		}
	}
	switch {
	case r.Kind == KindProgression && (r.MinTactics < 2 || r.MinTactics > len(incident.KillChain)):
		bad("min_tactics", "attack_progression needs 2 to 14 kill-chain stages")
	case r.Kind != KindProgression && r.MinTactics != 0:
		bad("min_tactics", "only attack_progression rules take min_tactics")
	}
	if r.Severity != "" && !slices.Contains([]string{"informational", "low", "medium", "high", "critical"}, r.Severity) {
		bad("severity", "one of informational, low, medium, high, critical")
	}
	if _, err := compile(r.Condition); err != nil {
		var ce *conditionError
		if asCondition(err, &ce) {
			bad("condition", ce.Error())
		} else {
			return fmt.Errorf("correlate: compile %s: %w", r.Key, err)
		}
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid rule", fields...)
	}
	return nil
}

func joinTypes() string {
	s := make([]string, len(entityTypes))
	for i, t := range entityTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
