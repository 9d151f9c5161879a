// Package incident is the unit of SOC work: incidents with their workflow
// (new → acknowledged → investigating → contained → resolved → closed, with
// reopen), dispositions, assignee and responders, tags, org-defined custom
// fields, ATT&CK aggregated from linked alerts, tasks, notes with @mentions
// and edit history, templates, an immutable state-change log, escalation of
// alerts, merge and split, and the per-user notification inbox.
//
// Every change runs in one transaction armed for the caller's org, is
// written to the audit log in that transaction and appended to the
// incident's state-change log.
package incident

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
)

// Status is the workflow state of an incident.
type Status string

// Incident statuses, in workflow order.
const (
	StatusNew           Status = "new"
	StatusAcknowledged  Status = "acknowledged"
	StatusInvestigating Status = "investigating"
	StatusContained     Status = "contained"
	StatusResolved      Status = "resolved"
	StatusClosed        Status = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusAcknowledged, StatusInvestigating, StatusContained, StatusResolved, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether work on an incident in s is not finished.
func (s Status) Open() bool { return s != StatusResolved && s != StatusClosed }

func (s Status) rank() int { return slices.Index(Statuses, s) }

// CanTransition reports whether an incident may move from one status to
// another: forward along the workflow (steps may be skipped), from
// contained back to investigating, and a reopen (resolved or closed back
// to investigating). Staying in the same status is not a transition.
func CanTransition(from, to Status) bool {
	if !from.Valid() || !to.Valid() || from == to {
		return false
	}
	switch {
	case !from.Open():
		// resolved → closed, or reopen.
		return (from == StatusResolved && to == StatusClosed) || to == StatusInvestigating
	case from == StatusContained && to == StatusInvestigating:
		return true
	default:
		return to.rank() > from.rank()
	}
}

// Disposition is the verdict recorded when an incident is resolved or
// closed.
type Disposition string

// Dispositions.
const (
	DispositionTruePositive       Disposition = "true_positive"
	DispositionBenignTruePositive Disposition = "benign_true_positive"
	DispositionFalsePositive      Disposition = "false_positive"
	DispositionDuplicate          Disposition = "duplicate"
	DispositionOther              Disposition = "other"
)

// Dispositions lists every disposition.
var Dispositions = []Disposition{DispositionTruePositive, DispositionBenignTruePositive, DispositionFalsePositive, DispositionDuplicate, DispositionOther}

// Valid reports whether d is a known disposition.
func (d Disposition) Valid() bool { return slices.Contains(Dispositions, d) }

// Priority is the work order an analyst gives an incident (p1 first).
type Priority string

// Priorities.
const (
	PriorityP1 Priority = "p1"
	PriorityP2 Priority = "p2"
	PriorityP3 Priority = "p3"
	PriorityP4 Priority = "p4"
)

// Priorities lists every priority.
var Priorities = []Priority{PriorityP1, PriorityP2, PriorityP3, PriorityP4}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// SeverityNames are the severities an incident may have (OCSF names).
var SeverityNames = []string{"informational", "low", "medium", "high", "critical"}

// ParseSeverity maps an incident severity name to its OCSF id.
func ParseSeverity(name string) (alert.Severity, bool) {
	if !slices.Contains(SeverityNames, name) {
		return 0, false
	}
	return alert.ParseSeverity(name)
}

// defaultPriority derives a priority from a severity.
func defaultPriority(s alert.Severity) Priority {
	switch {
	case s >= alert.SeverityCritical:
		return PriorityP1
	case s == alert.SeverityHigh:
		return PriorityP2
	case s == alert.SeverityMedium:
		return PriorityP3
	default:
		return PriorityP4
	}
}

// Incident is one incident as the API shows it.
type Incident struct {
	ID              uuid.UUID   `json:"id"`
	Title           string      `json:"title"`
	Description     string      `json:"description"`
	Type            string      `json:"type" doc:"Template type the incident was opened from (phishing, malware, ...), empty if none"`
	Severity        string      `json:"severity" enum:"informational,low,medium,high,critical"`
	Priority        Priority    `json:"priority" enum:"p1,p2,p3,p4"`
	Status          Status      `json:"status" enum:"new,acknowledged,investigating,contained,resolved,closed"`
	Disposition     Disposition `json:"disposition,omitempty" enum:"true_positive,benign_true_positive,false_positive,duplicate,other"`
	DispositionNote string      `json:"disposition_note,omitempty"`
	Assignee        *uuid.UUID  `json:"assignee,omitempty"`
	Responders      []uuid.UUID `json:"responders"`
	Tags            []string    `json:"tags"`
	// CustomFields holds the org-defined fields by key (validated against
	// their definitions on every write).
	CustomFields map[string]FieldValue `json:"custom_fields"`
	// Tactics and Techniques aggregate the linked alerts' ATT&CK labels and
	// the manual ones (ManualTactics, ManualTechniques).
	Tactics          []string   `json:"tactics"`
	Techniques       []string   `json:"techniques"`
	ManualTactics    []string   `json:"manual_tactics"`
	ManualTechniques []string   `json:"manual_techniques"`
	AlertCount       int        `json:"alert_count"`
	MergedInto       *uuid.UUID `json:"merged_into,omitempty" doc:"Survivor this incident was merged into"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	AcknowledgedAt   *time.Time `json:"acknowledged_at,omitempty"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	// SLA is the incident's SLA clock (absent when no policy matched).
	SLA *SLAStatus `json:"sla,omitempty"`
}

// LinkedAlert is an alert of an incident with how it got there.
type LinkedAlert struct {
	AlertID    uuid.UUID      `json:"alert_id"`
	Title      string         `json:"title"`
	Severity   string         `json:"severity"`
	Source     string         `json:"source_type"`
	Rule       string         `json:"rule,omitempty"`
	EventTime  time.Time      `json:"event_time"`
	Tactics    []string       `json:"tactics"`
	Techniques []string       `json:"techniques"`
	Entities   []alert.Entity `json:"entities"`
	AddedAt    time.Time      `json:"added_at"`
	AddedBy    string         `json:"added_by"`
	Provenance Provenance     `json:"provenance"`
}

// Provenance says how an alert, task or note came to its incident.
type Provenance struct {
	// Via: escalate, link, merge, split, correlate.
	Via string `json:"via"`
	// From is the incident it was moved from (merge, split).
	From *uuid.UUID `json:"from,omitempty"`
	// Explanation is the correlation's "why grouped", when Via is correlate
	// (or the link was moved by a merge or split after correlation). It is
	// stored once per grouping (incident_groupings) and filled in on read.
	Explanation *Explanation `json:"explanation,omitempty"`
	// GroupingID is the grouping whose explanation this link shares.
	GroupingID *uuid.UUID `json:"grouping_id,omitempty" doc:"Correlation grouping whose explanation this link shares"`
	// Matched are this alert's entities among the grouping's shared entities.
	Matched []alert.Entity `json:"matched_entities,omitempty" doc:"This alert's entities among the grouping's shared entities"`
}

// Explanation tells why correlation grouped an alert into an incident.
type Explanation struct {
	Rule           string         `json:"rule"`
	RuleVersion    int            `json:"rule_version"`
	GroupKey       string         `json:"group_key"`
	SharedEntities []alert.Entity `json:"shared_entities,omitempty"`
	WindowStart    time.Time      `json:"window_start"`
	WindowEnd      time.Time      `json:"window_end"`
	Score          float64        `json:"score"`
	ScoreParts     []ScorePart    `json:"score_parts,omitempty"`
	// Ignored lists entities left out of grouping because they appear on
	// too large a share of alerts (a NAT address, a DNS server).
	Ignored []alert.Entity `json:"ignored_entities,omitempty"`
	// Indicators are the threat-intel indicators the group's alerts
	// matched (intel_match rules).
	Indicators []IndicatorRef `json:"indicators,omitempty"`
	Summary    string         `json:"summary"`
}

// IndicatorRef names a threat-intel indicator an alert matched.
type IndicatorRef struct {
	ID         uuid.UUID `json:"id"`
	Type       string    `json:"type" doc:"Indicator type (ipv4, domain, sha256, ...)"`
	Value      string    `json:"value" doc:"The alert's entity value that matched"`
	Confidence int       `json:"confidence"`
	// Alerts is how many of the group's alerts matched it.
	Alerts int `json:"alerts"`
}

// ScorePart is one term of a grouping score.
type ScorePart struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Value  float64 `json:"value"`
}

// StateChange is one immutable state change of an incident.
type StateChange struct {
	ID         uuid.UUID       `json:"id"`
	IncidentID uuid.UUID       `json:"incident_id" doc:"Incident the change happened on (a merged incident's entries show on its survivor)"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	Kind       string          `json:"kind" doc:"created, status, severity, priority, assignee, responders, title, description, tags, custom_fields, attack, alerts_linked, alerts_unlinked, merged, merged_into, split, split_from, task_added, task_updated, task_deleted, note_added, note_edited, sla_paused, sla_resumed, sla_warning, sla_breached"`
	From       string          `json:"from,omitempty"`
	To         string          `json:"to,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
}
