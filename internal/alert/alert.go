// Package alert defines the one normalized alert schema every source is
// mapped to. It follows the OCSF Detection Finding class (class_uid 2004):
// event and received time, severity id and name, title, description,
// status, source (vendor, product, type), rule, MITRE ATT&CK tactics and
// techniques, entities, tags, and the raw payload kept exactly as received.
package alert

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Severity is the OCSF severity_id.
type Severity int

// OCSF severity ids.
const (
	SeverityUnknown       Severity = 0
	SeverityInformational Severity = 1
	SeverityLow           Severity = 2
	SeverityMedium        Severity = 3
	SeverityHigh          Severity = 4
	SeverityCritical      Severity = 5
	SeverityFatal         Severity = 6
	SeverityOther         Severity = 99
)

var severityNames = map[Severity]string{
	SeverityUnknown: "unknown", SeverityInformational: "informational", SeverityLow: "low",
	SeverityMedium: "medium", SeverityHigh: "high", SeverityCritical: "critical",
	SeverityFatal: "fatal", SeverityOther: "other",
}

// String is the lower-case OCSF severity name.
func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "unknown"
}

// ParseSeverity maps a severity name to its id.
func ParseSeverity(name string) (Severity, bool) {
	for id, n := range severityNames {
		if n == name {
			return id, true
		}
	}
	return SeverityUnknown, false
}

// Status is the analyst workflow state of an alert.
type Status string

// Alert statuses.
const (
	StatusNew           Status = "new"
	StatusTriaged       Status = "triaged"
	StatusInProgress    Status = "in_progress"
	StatusResolved      Status = "resolved"
	StatusFalsePositive Status = "false_positive"
	StatusSuppressed    Status = "suppressed"
)

// Statuses lists every valid status.
var Statuses = []Status{StatusNew, StatusTriaged, StatusInProgress, StatusResolved, StatusFalsePositive, StatusSuppressed}

// Source identifies where an alert came from.
type Source struct {
	// Type is the normalizer key, e.g. "guardduty", "suricata", "cef".
	Type    string `json:"type"`
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
}

// Rule is the detection rule or signature that fired.
type Rule struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// EntityType classifies an extracted entity.
type EntityType string

// Entity types.
const (
	EntityIP       EntityType = "ip"
	EntityDomain   EntityType = "domain"
	EntityURL      EntityType = "url"
	EntityHostname EntityType = "hostname"
	EntityUser     EntityType = "user"
	EntityEmail    EntityType = "email"
	EntityMD5      EntityType = "md5"
	EntitySHA1     EntityType = "sha1"
	EntitySHA256   EntityType = "sha256"
	EntityProcess  EntityType = "process"
	EntityFile     EntityType = "file"
	EntityCloudID  EntityType = "cloud_resource"
)

// Entity is an observable tied to an alert. Value is canonical (IPs in
// net/netip form, domains, hashes and e-mail lower-cased).
type Entity struct {
	Type  EntityType `json:"type"`
	Value string     `json:"value"`
	// Role tells how the entity appears: src, dst, actor, target, host,
	// file, process, resource, related.
	Role string `json:"role,omitempty"`
}

// Alert is one normalized alert.
type Alert struct {
	ID           uuid.UUID `json:"id"`
	OrgID        uuid.UUID `json:"org_id"`
	EventTime    time.Time `json:"event_time"`
	ReceivedTime time.Time `json:"received_time"`
	Severity     Severity  `json:"severity_id"`
	Title        string    `json:"title"`
	Description  string    `json:"description,omitempty"`
	Status       Status    `json:"status"`
	Source       Source    `json:"source"`
	// SourceRef is the vendor's own id for the finding, when it has one.
	SourceRef  string   `json:"source_ref,omitempty"`
	Rule       Rule     `json:"rule"`
	Tactics    []string `json:"tactics,omitempty"`    // ATT&CK tactic names, e.g. "initial-access"
	Techniques []string `json:"techniques,omitempty"` // ATT&CK ids, e.g. "T1059.001"
	Entities   []Entity `json:"entities,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	// Unmapped keeps source fields the normalizer did not map (OCSF
	// "unmapped"), so nothing is dropped silently.
	Unmapped map[string]json.RawMessage `json:"unmapped,omitempty"`
	// Raw is the payload exactly as received.
	Raw json.RawMessage `json:"raw,omitempty"`
	// Quality is the share (0..1) of expected fields present and valid.
	Quality float64 `json:"quality"`

	// Deduplication.
	Fingerprint string `json:"fingerprint"`
	Count       int    `json:"count"`
	// FirstSeen and LastSeen are when the first and latest occurrence
	// were received.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// LastEventTime is the latest event time over the occurrences;
	// EventTime is that of the first occurrence received. Set on reads;
	// equal to EventTime for an alert seen once.
	LastEventTime time.Time `json:"last_event_time"`

	Assignee *uuid.UUID `json:"assignee,omitempty"`
}
