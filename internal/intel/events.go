package intel

import (
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
)

// MatchedV1 is the payload of intel.matched.v1: one new alert ↔ indicator
// match (an alert matching two indicators, or one indicator in two roles,
// emits one event per match).
type MatchedV1 struct {
	AlertID     uuid.UUID `json:"alert_id"`
	MatchID     uuid.UUID `json:"match_id"`
	IndicatorID uuid.UUID `json:"indicator_id"`
	FeedID      uuid.UUID `json:"feed_id"`
	// Type is the indicator type (ipv4, domain, sha256, ...).
	Type Type `json:"type"`
	// Value is the alert's entity value that matched (canonical).
	Value string `json:"value"`
	// Role is the entity's role in the alert (src, dst, host, ...).
	Role string `json:"role"`
	// Source is where the match was made: ingest or retrohunt.
	Source     string `json:"source"`
	Confidence int    `json:"confidence"`
}

// EventMatched is appended in the transaction that stores a new match: the
// intake batch's (source ingest) or a retro-hunt's (source retrohunt).
var EventMatched = events.Register[MatchedV1]("intel.matched.v1",
	"An alert matched a threat-intel indicator (one event per new alert, indicator and role match; at ingest or by a retro-hunt).", rbac.IntelRead)
