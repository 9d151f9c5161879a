// Package timeline is the incident war room's read model and its
// collaboration state: one ordered stream per incident of the linked alerts
// (by event time), the incident's state-change log (status, assignment,
// tasks, SLA, decisions…), its notes, its evidence custody (collected,
// downloaded, exported, integrity failed) and analyst-added entries, with
// annotations on any item; filters, keyset paging in both directions of
// time, streamed JSON and CSV export; and presence (who is viewing an
// incident now). docs/timeline.md is the contract; docs/decisions/0006
// says why it reads the other modules' tables through one UNION ALL query.
package timeline

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/entity"
)

// Item types: which record a timeline item shows.
const (
	TypeAlert   = "alert"   // an alert linked to the incident, at its event time
	TypeLog     = "log"     // an entry of the incident's immutable state-change log
	TypeNote    = "note"    // an analyst note (decision: marked as a decision)
	TypeCustody = "custody" // an evidence chain-of-custody entry
	TypeEntry   = "entry"   // an analyst-added timeline entry
)

// Types lists every item type.
var Types = []string{TypeAlert, TypeLog, TypeNote, TypeCustody, TypeEntry}

// Categories of items the system derives (entries carry one of
// EntryCategories).
const (
	CategoryAlert    = "alert"
	CategoryState    = "state"
	CategoryNote     = "note"
	CategoryTask     = "task"
	CategorySLA      = "sla"
	CategoryEvidence = "evidence"
)

// EntryCategories are the categories an analyst-added entry may carry: the
// ATT&CK Enterprise tactics (short names, as alerts carry them) and the
// investigation's own.
var EntryCategories = []string{
	"reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
	"defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control",
	"exfiltration", "impact",
	"observation", "action", "remediation", "communication", "legitimate", "other",
}

// Categories lists every category an item can have.
var Categories = append([]string{CategoryAlert, CategoryState, CategoryNote, CategoryTask, CategorySLA, CategoryEvidence}, EntryCategories...)

// Sources of the items that are not alerts or entries (alerts carry their
// source type, entries the source the analyst named, "analyst" by default).
const (
	SourceIncident = "incident"
	SourceEvidence = "evidence"
	SourceAnalyst  = "analyst"
)

// custodyShown are the custody actions the timeline shows (views and
// routine re-verifications stay in the custody log only).
var custodyShown = []string{"collected", "downloaded", "exported", "integrity_failed"}

// Entity is an observable an item mentions.
type LinkedEntity struct {
	Type  string `json:"type" maxLength:"32" doc:"Entity type: ip, domain, url, hostname, user, email, md5, sha1, sha256, process, file, cloud_resource"`
	Value string `json:"value" minLength:"1" maxLength:"600"`
	Role  string `json:"role,omitempty" maxLength:"32"`
}

// Item is one entry of an incident's timeline.
type Item struct {
	ID          string          `json:"id" doc:"<type>:<uuid>; the id annotations name"`
	Type        string          `json:"type" enum:"alert,log,note,custody,entry"`
	At          time.Time       `json:"at" doc:"When it happened: an alert's event time, a change's time, an entry's stated time"`
	Category    string          `json:"category"`
	Source      string          `json:"source" doc:"Alert source type; incident, evidence; an entry's source"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Actor       string          `json:"actor,omitempty" doc:"Who did it (user:<id>, apikey:<id>, system:<reason>)"`
	RefID       uuid.UUID       `json:"ref_id" doc:"The record shown: alert, log entry, note, evidence artifact or timeline entry id"`
	Kind        string          `json:"kind,omitempty" doc:"A log entry's kind (status, assignee, task_added, sla_breached, decision_marked…) or a custody action"`
	From        string          `json:"from,omitempty"`
	To          string          `json:"to,omitempty"`
	Severity    string          `json:"severity,omitempty"`
	Tactics     []string        `json:"tactics,omitempty"`
	Techniques  []string        `json:"techniques,omitempty"`
	Entities    []LinkedEntity  `json:"entities,omitempty"`
	Decision    bool            `json:"decision,omitempty" doc:"A note marked as a decision"`
	DecisionBy  string          `json:"decision_by,omitempty"`
	SHA256      string          `json:"sha256,omitempty" doc:"Evidence: the SHA-256 taken at collection"`
	Integrity   string          `json:"integrity,omitempty" doc:"Evidence: ok or failed (the artifact's current state)"`
	Details     json.RawMessage `json:"details,omitempty"`
	Annotations []Annotation    `json:"annotations"`
}

// Annotation is an analyst's remark on one timeline item.
type Annotation struct {
	ID        uuid.UUID `json:"id"`
	ItemID    string    `json:"item_id"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Query filters a timeline. Empty lists mean any.
type Query struct {
	Types      []string
	Categories []string
	Sources    []string
	Entities   []LinkedEntity
	From, To   *time.Time
	// Descending orders newest first.
	Descending bool
}

// Limits.
const (
	MaxFilterValues = 20
	MaxEntities     = 50
	MaxTitle        = 500
	MaxDescription  = 20000
	MaxSource       = 200
	MaxAnnotation   = 10000
	DefaultLimit    = 100
	MaxLimit        = 500
	// MaxExport bounds one export.
	MaxExport = 200000
)

// ParseEntity parses a filter "type:value" (the value canonicalized like
// alert entities, when it is valid for its type).
func ParseEntity(s string) (LinkedEntity, bool) {
	t, v, ok := strings.Cut(s, ":")
	t = strings.ToLower(strings.TrimSpace(t))
	v = strings.TrimSpace(v)
	if !ok || !knownEntityType(t) || v == "" || len(v) > 600 || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return LinkedEntity{}, false
	}
	if c, ok := entity.Canonical(alert.EntityType(t), v); ok {
		v = c
	}
	return LinkedEntity{Type: t, Value: v}, true
}

var entityTypes = []string{"ip", "domain", "url", "hostname", "user", "email", "md5", "sha1", "sha256", "process", "file", "cloud_resource"}

func knownEntityType(t string) bool { return slices.Contains(entityTypes, t) }

// checkEntities validates and canonicalizes an entry's linked entities.
func checkEntities(in []LinkedEntity, loc string) ([]LinkedEntity, []apperr.FieldError) {
	var fields []apperr.FieldError
	if len(in) > MaxEntities {
		return nil, []apperr.FieldError{apperr.Field(loc, fmt.Sprintf("at most %d entities", MaxEntities))}
	}
	out := make([]LinkedEntity, 0, len(in))
	for i, e := range in {
		p, ok := ParseEntity(e.Type + ":" + e.Value)
		if !ok || badText(e.Role) {
			fields = append(fields, apperr.Field(fmt.Sprintf("%s[%d]", loc, i), "expected a known entity type and a value of 1 to 600 characters"))
			continue
		}
		p.Role = e.Role
		if !slices.ContainsFunc(out, func(o LinkedEntity) bool { return o.Type == p.Type && o.Value == p.Value }) {
			out = append(out, p)
		}
	}
	return out, fields
}

// badText reports text that is not valid UTF-8 or holds a NUL.
func badText(s string) bool { return !utf8.ValidString(s) || strings.ContainsRune(s, 0) }

// logCategory is the category of a state-change log kind.
func logCategory(kind string) string {
	switch {
	case strings.HasPrefix(kind, "note_") || strings.HasPrefix(kind, "decision_"):
		return CategoryNote
	case strings.HasPrefix(kind, "task_"):
		return CategoryTask
	case strings.HasPrefix(kind, "sla_"):
		return CategorySLA
	default:
		return CategoryState
	}
}

// logTitle describes a state-change log entry in one line.
func logTitle(kind, from, to string) string {
	words := strings.ReplaceAll(kind, "_", " ")
	if words != "" {
		words = strings.ToUpper(words[:1]) + words[1:]
	}
	switch {
	case kind == "task_added":
		return "Task added: " + to
	case kind == "task_deleted":
		return "Task deleted: " + from
	case kind == "task_updated":
		return "Task updated: " + to
	case from != "" && to != "":
		return words + ": " + from + " → " + to
	case to != "":
		return words + ": " + to
	case from != "":
		return words + ": " + from
	}
	return words
}

// custodyTitle describes a custody entry.
func custodyTitle(action, name string) string {
	switch action {
	case "collected":
		return "Evidence collected: " + name
	case "downloaded":
		return "Evidence downloaded: " + name
	case "exported":
		return "Evidence exported: " + name
	case "integrity_failed":
		return "Evidence integrity FAILED: " + name
	}
	return "Evidence " + action + ": " + name
}
