package correlate

import (
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
)

// CandidateV1 is the payload of the correlation_candidate.*.v1 kinds.
type CandidateV1 struct {
	CandidateID uuid.UUID  `json:"candidate_id"`
	Rule        string     `json:"rule"`
	GroupKey    string     `json:"group_key"`
	Status      string     `json:"status"`
	AlertCount  int        `json:"alert_count"`
	IncidentID  *uuid.UUID `json:"incident_id,omitempty"`
}

// The correlation event kinds.
var (
	EventCandidateProposed = events.Register[CandidateV1]("correlation_candidate.proposed.v1", "A correlation rule with outcome propose made an incident candidate for an analyst to accept or reject.", rbac.IncidentsRead)
	EventCandidateAccepted = events.Register[CandidateV1]("correlation_candidate.accepted.v1", "An analyst accepted an incident candidate: an incident with its alerts opened.", rbac.IncidentsRead)
	EventCandidateRejected = events.Register[CandidateV1]("correlation_candidate.rejected.v1", "An analyst rejected an incident candidate (with a reason).", rbac.IncidentsRead)
)
