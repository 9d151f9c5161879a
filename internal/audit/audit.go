// Package audit is the tamper-evident, append-only audit log. Each entry
// holds the hash of the previous entry of the same org, so changing or
// deleting a row breaks the chain, which `securenexus audit verify` detects.
//
// Every org has its own chain; platform-level events (Entry.OrgID ==
// uuid.Nil) go to the platform chain. Appends to one chain are serialised
// (a transaction-scoped advisory lock on PostgreSQL, the single writer on
// SQLite), so concurrent appends never fork it. The encoding that is hashed
// is documented on ComputeHash and in docs/security.md.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Outcome of an audited action.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeDenied  Outcome = "denied"
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	return o == OutcomeSuccess || o == OutcomeFailure || o == OutcomeDenied
}

// Entry is one audited event.
type Entry struct {
	// OrgID is the tenant the event belongs to; uuid.Nil for platform-level
	// events (for example a failed login for an unknown account).
	OrgID uuid.UUID
	// Actor: "user:<id>", "apikey:<id>", "system:<reason>" or "anonymous".
	// Empty: the actor of the tenant scope in ctx, else "anonymous".
	Actor string
	// Action: dotted verb, e.g. "auth.login", "alert.update", "apikey.create".
	// Required.
	Action     string
	TargetType string
	TargetID   string
	// Outcome defaults to OutcomeSuccess.
	Outcome Outcome
	// RequestID, IP and UserAgent default to the HTTP request's (from ctx).
	RequestID string
	IP        string
	UserAgent string
	// Details holds action-specific fields. Never put secrets here. Stored
	// in canonical form (see CanonicalJSON); empty means {}.
	Details json.RawMessage
}

// Field length limits (in characters); longer values are truncated, so an
// unusual User-Agent can never make the audited change fail.
const (
	maxShort     = 200
	maxTargetID  = 500
	maxRequestID = 128
	maxIP        = 64
	maxUserAgent = 512
)

// Stored is an entry as appended to its chain.
type Stored struct {
	ID         int64
	Seq        int64
	OccurredAt time.Time
	Entry
	PrevHash string
	Hash     string
}

// fields returns what the hash covers.
func (s *Stored) fields() chainFields {
	return chainFields{
		OrgID: s.OrgID, Seq: s.Seq, OccurredAt: s.OccurredAt.UnixMicro(),
		Actor: s.Actor, Action: s.Action, TargetType: s.TargetType, TargetID: s.TargetID,
		Outcome: string(s.Outcome), RequestID: s.RequestID, IP: s.IP, UserAgent: s.UserAgent,
		Details: s.Details, PrevHash: s.PrevHash,
	}
}

// normalize fills defaults from ctx, bounds and sanitises every field and
// canonicalises Details, so that what is hashed is exactly what the
// database stores and returns.
func normalize(ctx context.Context, e Entry) (Entry, error) {
	if e.Actor == "" {
		if s, ok := tenant.FromContext(ctx); ok && s.Actor() != "" {
			e.Actor = s.Actor()
		} else {
			e.Actor = "anonymous"
		}
	}
	if strings.TrimSpace(e.Action) == "" {
		return Entry{}, errors.New("audit: entry has no action")
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeSuccess
	}
	if !e.Outcome.Valid() {
		return Entry{}, fmt.Errorf("audit: unknown outcome %q", e.Outcome)
	}
	if e.RequestID == "" {
		e.RequestID = httpapi.RequestID(ctx)
	}
	if e.IP == "" {
		e.IP = httpapi.ClientIP(ctx)
	}
	if e.UserAgent == "" {
		e.UserAgent = httpapi.UserAgent(ctx)
	}
	e.Actor = clip(e.Actor, maxShort)
	e.Action = clip(e.Action, maxShort)
	e.TargetType = clip(e.TargetType, maxShort)
	e.TargetID = clip(e.TargetID, maxTargetID)
	e.RequestID = clip(e.RequestID, maxRequestID)
	e.IP = clip(e.IP, maxIP)
	e.UserAgent = clip(e.UserAgent, maxUserAgent)
	d, err := CanonicalJSON(e.Details)
	if err != nil {
		return Entry{}, err
	}
	e.Details = d
	return e, nil
}

// clip sanitises s and cuts it to at most n characters.
func clip(s string, n int) string {
	s = sanitize(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// now is the clock; tests may replace it.
var now = func() time.Time { return time.Now() }

// Record appends e inside the caller's transaction, so the change and its
// audit entry commit or roll back together.
//
// In a transaction armed for an org (db.InOrg), e.OrgID must be that org.
// In an unarmed transaction (db.WithTx), e.OrgID may be uuid.Nil (platform
// chain) or any org: on PostgreSQL the transaction is armed for that org
// for the two audit statements only, then disarmed again.
//
// On PostgreSQL Record locks the org's chain until the transaction ends, so
// other appends to that chain wait for it: record late in the transaction,
// after the change's own statements.
func Record(ctx context.Context, tx *db.Tx, e Entry) error {
	if tx == nil {
		return errors.New("audit: Record needs a transaction")
	}
	if tx.ReadOnly {
		return errors.New("audit: Record in a read-only transaction")
	}
	if tx.Scope.Valid() && e.OrgID != tx.Scope.Org() {
		return fmt.Errorf("audit: entry for chain %s in a transaction armed for org %s", chainName(e.OrgID), tx.Scope.Org())
	}
	e, err := normalize(ctx, e)
	if err != nil {
		return err
	}
	if _, err := appendEntry(ctx, tx, e); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// Log appends e in its own transaction (for events with no surrounding
// change, such as failed logins and permission denials). If ctx already
// carries a transaction, Log joins it, as every db transaction does.
func Log(ctx context.Context, d *db.DB, e Entry) error {
	return d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		return Record(ctx, tx, e)
	})
}

// chainName names a chain in messages: the org id or "platform".
func chainName(org uuid.UUID) string {
	if org == uuid.Nil {
		return "platform"
	}
	return org.String()
}
