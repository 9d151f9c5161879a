package incident

import (
	"encoding/json"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
)

// EventV1 is the payload of every incident.*.v1 event: the incident and
// the kind's specifics (the change, the alerts, the task or note, ...), the
// same details the audit entry records.
type EventV1 struct {
	IncidentID uuid.UUID       `json:"incident_id"`
	Details    json.RawMessage `json:"details,omitempty"`
}

// The incident event kinds.
var (
	EventCreated        = events.Register[EventV1]("incident.created.v1", "An incident was opened (by an analyst, an escalation, a split or correlation).", rbac.IncidentsRead)
	EventUpdated        = events.Register[EventV1]("incident.updated.v1", "An incident's fields, status or disposition changed (one event per incident, also for bulk updates).", rbac.IncidentsRead)
	EventAlertsLinked   = events.Register[EventV1]("incident.alerts_linked.v1", "Alerts were added to an incident.", rbac.IncidentsRead)
	EventAlertsUnlinked = events.Register[EventV1]("incident.alerts_unlinked.v1", "An alert was detached from an incident.", rbac.IncidentsRead)
	EventMerged         = events.Register[EventV1]("incident.merged.v1", "Incidents were merged into this one (the survivor).", rbac.IncidentsRead)
	EventSplit          = events.Register[EventV1]("incident.split.v1", "Alerts of this incident moved to a new incident.", rbac.IncidentsRead)
	EventTaskAdded      = events.Register[EventV1]("incident.task_added.v1", "A task was added to an incident.", rbac.IncidentsRead)
	EventTaskUpdated    = events.Register[EventV1]("incident.task_updated.v1", "A task of an incident changed.", rbac.IncidentsRead)
	EventTaskDeleted    = events.Register[EventV1]("incident.task_deleted.v1", "A task of an incident was deleted.", rbac.IncidentsRead)
	EventNoteAdded      = events.Register[EventV1]("incident.note_added.v1", "A note was added to an incident.", rbac.IncidentsRead)
	EventNoteEdited     = events.Register[EventV1]("incident.note_edited.v1", "A note of an incident was edited.", rbac.IncidentsRead)
	EventSLAPaused      = events.Register[EventV1]("incident.sla_paused.v1", "An incident's SLA clock was paused (details: reason).", rbac.IncidentsRead)
	EventSLAResumed     = events.Register[EventV1]("incident.sla_resumed.v1", "An incident's paused SLA clock was resumed (details: paused_seconds).", rbac.IncidentsRead)
	EventSLAWarning     = events.Register[EventV1]("incident.sla_warning.v1", "An SLA target of an incident passed its warning threshold (details: target acknowledge or resolve, due_at, policy, notified members). Raised once across replicas.", rbac.IncidentsRead)
	EventSLABreached    = events.Register[EventV1]("incident.sla_breached.v1", "An SLA target of an incident was breached (details: target acknowledge or resolve, due_at, policy, notified members). Raised once across replicas.", rbac.IncidentsRead)
)
