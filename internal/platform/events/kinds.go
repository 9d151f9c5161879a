package events

import (
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/rbac"
)

// The kinds of the existing domains. Payloads carry identifiers and the
// names of what changed, never secrets; a consumer that needs the full
// record reads it (in its own org-scoped transaction).

// AlertIngestedV1 is the payload of alert.ingested.v1: one intake batch.
type AlertIngestedV1 struct {
	// SourceID is the configured source the batch came through (absent
	// for direct API intake without a source).
	SourceID   *uuid.UUID `json:"source_id,omitempty"`
	SourceType string     `json:"source_type"`
	Channel    string     `json:"channel"`
	// Created are the alerts the batch created; Updated the existing alerts
	// it deduplicated into (their count and last_seen changed).
	Created  []uuid.UUID `json:"created"`
	Updated  []uuid.UUID `json:"updated"`
	Rejected int         `json:"rejected"`
}

// AlertUpdatedV1 is the payload of alert.updated.v1.
type AlertUpdatedV1 struct {
	AlertID uuid.UUID `json:"alert_id"`
	// Fields names the changed fields (status, severity_id, assignee, tags, ...).
	Fields []string `json:"fields"`
	Status string   `json:"status"`
}

// SavedFilterV1 is the payload of the saved_filter.* kinds.
type SavedFilterV1 struct {
	FilterID uuid.UUID `json:"filter_id"`
	// Owner is the actor the filter belongs to ("user:<id>", "apikey:<id>").
	Owner string `json:"owner"`
}

// SourceV1 is the payload of the source.* kinds.
type SourceV1 struct {
	SourceID uuid.UUID `json:"source_id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
}

// MemberV1 is the payload of the member.* kinds.
type MemberV1 struct {
	UserID uuid.UUID `json:"user_id"`
	Role   string    `json:"role"`
}

// RoleV1 is the payload of the role.* kinds.
type RoleV1 struct {
	Role        string            `json:"role"`
	Permissions []rbac.Permission `json:"permissions,omitempty"`
}

// APIKeyV1 is the payload of the apikey.* kinds.
type APIKeyV1 struct {
	KeyID uuid.UUID `json:"key_id"`
	Name  string    `json:"name,omitempty"`
}

// OrgUpdatedV1 is the payload of org.updated.v1.
type OrgUpdatedV1 struct {
	// Fields names what changed ("name", "policy").
	Fields []string `json:"fields"`
}

// Alerts.
var (
	AlertIngested      = Register[AlertIngestedV1]("alert.ingested.v1", "An intake batch was committed: the alerts it created and the existing alerts it deduplicated into.", rbac.AlertsRead)
	AlertUpdated       = Register[AlertUpdatedV1]("alert.updated.v1", "An analyst changed an alert (status, assignee, tags); a bulk update emits one per alert, in one transaction.", rbac.AlertsRead)
	SavedFilterCreated = Register[SavedFilterV1]("saved_filter.created.v1", "A saved alert filter was created.", rbac.AlertsRead)
	SavedFilterUpdated = Register[SavedFilterV1]("saved_filter.updated.v1", "A saved alert filter was changed.", rbac.AlertsRead)
	SavedFilterDeleted = Register[SavedFilterV1]("saved_filter.deleted.v1", "A saved alert filter was deleted.", rbac.AlertsRead)
)

// Intake sources.
var (
	SourceCreated       = Register[SourceV1]("source.created.v1", "An alert source (API, webhook or syslog) was created.", rbac.SourcesManage)
	SourceUpdated       = Register[SourceV1]("source.updated.v1", "An alert source's configuration changed.", rbac.SourcesManage)
	SourceDeleted       = Register[SourceV1]("source.deleted.v1", "An alert source was deleted.", rbac.SourcesManage)
	SourceSecretRotated = Register[SourceV1]("source.secret_rotated.v1", "An alert source's webhook secret was rotated (the secret itself is never in an event).", rbac.SourcesManage)
)

// Identity and org administration.
var (
	MemberAdded       = Register[MemberV1]("member.added.v1", "A user became a member of the org.", rbac.AdminUsers)
	MemberRoleChanged = Register[MemberV1]("member.role_changed.v1", "A member's role changed.", rbac.AdminUsers)
	MemberRemoved     = Register[MemberV1]("member.removed.v1", "A member was removed from the org.", rbac.AdminUsers)
	RoleCreated       = Register[RoleV1]("role.created.v1", "A custom role was created.", rbac.AdminUsers)
	RoleUpdated       = Register[RoleV1]("role.updated.v1", "A custom role's permissions or description changed.", rbac.AdminUsers)
	RoleDeleted       = Register[RoleV1]("role.deleted.v1", "A custom role was deleted.", rbac.AdminUsers)
	APIKeyCreated     = Register[APIKeyV1]("apikey.created.v1", "An API key was created (the key itself is never in an event).", rbac.APIKeysManage)
	APIKeyRevoked     = Register[APIKeyV1]("apikey.revoked.v1", "An API key was revoked.", rbac.APIKeysManage)
	OrgUpdated        = Register[OrgUpdatedV1]("org.updated.v1", "The org's name or security policy changed.", rbac.AdminOrg)
)
