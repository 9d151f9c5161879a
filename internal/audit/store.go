package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// appendEntry links e (normalised) to the head of its chain and inserts it.
func appendEntry(ctx context.Context, tx *db.Tx, e Entry) (Stored, error) {
	var org any // NULL selects the platform chain
	if e.OrgID != uuid.Nil {
		org = e.OrgID.String()
	}
	armedHere := false
	if tx.Dialect == db.Postgres && !tx.Scope.Valid() && e.OrgID != uuid.Nil {
		// An unarmed transaction writing an org's entry: arm it for this
		// org for the audit statements only (RLS WITH CHECK needs it).
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.org_id', $1, true)", e.OrgID.String()); err != nil {
			return Stored{}, fmt.Errorf("arm org: %w", err)
		}
		armedHere = true
	}
	seq, prev, err := chainHead(ctx, tx, org)
	if err != nil {
		return Stored{}, err
	}
	s := Stored{Seq: seq + 1, OccurredAt: now().UTC().Truncate(time.Microsecond), Entry: e, PrevHash: prev}
	s.Hash = s.fields().ComputeHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(org_id, seq, occurred_at, actor, action, target_type, target_id, outcome, request_id, ip, user_agent, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		org, s.Seq, s.OccurredAt, s.Actor, s.Action, s.TargetType, s.TargetID, string(s.Outcome),
		s.RequestID, s.IP, s.UserAgent, string(s.Details), s.PrevHash, s.Hash)
	if err != nil {
		return Stored{}, fmt.Errorf("insert: %w", err)
	}
	if armedHere {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.org_id', '', true)"); err != nil {
			return Stored{}, fmt.Errorf("disarm org: %w", err)
		}
	}
	return s, nil
}

// chainHead returns the last seq and hash of a chain (0 and GenesisHash for
// an empty one). On PostgreSQL audit_chain_head also takes the chain's
// transaction-scoped lock; SQLite's write transaction is exclusive already.
func chainHead(ctx context.Context, tx *db.Tx, org any) (int64, string, error) {
	var row *sql.Row
	switch {
	case tx.Dialect == db.Postgres:
		row = tx.QueryRowContext(ctx, "SELECT head_seq, head_hash FROM audit_chain_head($1)", org)
	case org == nil:
		row = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log WHERE org_id IS NULL ORDER BY seq DESC LIMIT 1")
	default:
		row = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1", org)
	}
	var seq int64
	var hash string
	switch err := row.Scan(&seq, &hash); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, GenesisHash, nil
	case err != nil:
		return 0, "", fmt.Errorf("chain head: %w", err)
	}
	return seq, hash, nil
}

const selectColumns = `SELECT id, org_id, seq, occurred_at, actor, action, target_type, target_id, outcome,
	request_id, ip, user_agent, details, prev_hash, hash FROM audit_log`

// scanStored reads one row of selectColumns. Details come back in
// canonical form; a row whose details cannot be canonicalised keeps them
// raw (verification then reports the hash mismatch).
func scanStored(rows *sql.Rows) (Stored, error) {
	var s Stored
	var org sql.NullString
	var outcome, details string
	if err := rows.Scan(&s.ID, &org, &s.Seq, &s.OccurredAt, &s.Actor, &s.Action, &s.TargetType, &s.TargetID,
		&outcome, &s.RequestID, &s.IP, &s.UserAgent, &details, &s.PrevHash, &s.Hash); err != nil {
		return Stored{}, fmt.Errorf("audit: scan: %w", err)
	}
	if org.Valid {
		id, err := uuid.Parse(org.String)
		if err != nil {
			return Stored{}, fmt.Errorf("audit: row %d: org id %q: %w", s.ID, org.String, err)
		}
		s.OrgID = id
	}
	s.OccurredAt = s.OccurredAt.UTC()
	s.Outcome = Outcome(outcome)
	if c, err := CanonicalJSON([]byte(details)); err == nil {
		s.Details = c
	} else {
		s.Details = []byte(details)
	}
	return s, nil
}

func collect(rows *sql.Rows) ([]Stored, error) {
	defer func() { _ = rows.Close() }()
	var out []Stored
	for rows.Next() {
		s, err := scanStored(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: read rows: %w", err)
	}
	return out, nil
}

// chainPage reads up to limit entries of one chain with seq > afterSeq, in
// chain order, through conn (armed for the org, or the owner connection).
func chainPage(ctx context.Context, conn db.Conn, org uuid.UUID, afterSeq int64, limit int) ([]Stored, error) {
	var rows *sql.Rows
	var err error
	if org == uuid.Nil {
		rows, err = conn.QueryContext(ctx, selectColumns+` WHERE org_id IS NULL AND seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
	} else {
		rows, err = conn.QueryContext(ctx, selectColumns+` WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, org.String(), afterSeq, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read chain %s: %w", chainName(org), err)
	}
	return collect(rows)
}

// DefaultLimit and MaxLimit bound a List page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter selects entries of one org for List. Zero fields do not filter.
type Filter struct {
	Actor string
	// ActionPrefix matches actions starting with it ("alert." matches
	// "alert.update"), case-sensitively.
	ActionPrefix string
	TargetType   string
	TargetID     string
	Outcome      Outcome
	// Since is inclusive, Until exclusive.
	Since, Until time.Time
	// BeforeSeq continues a listing: only entries with seq < BeforeSeq.
	BeforeSeq int64
	// Limit is the page size (DefaultLimit if 0, at most MaxLimit).
	Limit int
}

// Page is one page of List, newest first.
type Page struct {
	Entries []Stored
	// NextBeforeSeq continues the listing (0: no more entries).
	NextBeforeSeq int64
}

// List returns the scope's org entries matching f, newest first.
func List(ctx context.Context, d *db.DB, scope tenant.Scope, f Filter) (Page, error) {
	if !scope.Valid() {
		return Page{}, errors.New("audit: list without an org scope")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	q := strings.Builder{}
	q.WriteString(selectColumns + " WHERE org_id = $1")
	args := []any{scope.Org().String()}
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		q.WriteString(" AND " + cond)
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.ActionPrefix != "" {
		// substr counts characters on both backends; LIKE would need
		// escaping and is case-insensitive on SQLite.
		add("substr(action, 1, ?) = ?", utf8.RuneCountInString(f.ActionPrefix), f.ActionPrefix)
	}
	if f.TargetType != "" {
		add("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		add("target_id = ?", f.TargetID)
	}
	if f.Outcome != "" {
		add("outcome = ?", string(f.Outcome))
	}
	if !f.Since.IsZero() {
		add("occurred_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("occurred_at < ?", f.Until.UTC())
	}
	args = append(args, limit+1)
	q.WriteString(" ORDER BY seq DESC LIMIT $" + strconv.Itoa(len(args)))

	var out []Stored
	err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("audit: list: %w", err)
		}
		out, err = collect(rows)
		return err
	})
	if err != nil {
		return Page{}, err
	}
	p := Page{Entries: out}
	if len(out) > limit {
		p.Entries = out[:limit]
		p.NextBeforeSeq = p.Entries[limit-1].Seq
	}
	return p, nil
}

// exportBatch is how many entries one export read transaction holds.
const exportBatch = 500

// EachInOrg calls fn for every entry of the scope's org in chain order. It
// reads in batches, each in its own short read transaction, so a slow
// consumer never holds a transaction open.
func EachInOrg(ctx context.Context, d *db.DB, scope tenant.Scope, fn func(Stored) error) error {
	if !scope.Valid() {
		return errors.New("audit: export without an org scope")
	}
	return eachBatched(ctx, func(ctx context.Context, after int64) ([]Stored, error) {
		var page []Stored
		err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			var err error
			page, err = chainPage(ctx, tx, scope.Org(), after, exportBatch)
			return err
		})
		return page, err
	}, fn)
}

// EachInChain calls fn for every entry of a chain (uuid.Nil: the platform
// chain) in chain order, reading without arming any org. Only the
// migrating (owner) connection sees the rows on PostgreSQL: it is for the
// CLI (verify, export), not the server.
func EachInChain(ctx context.Context, d *db.DB, org uuid.UUID, fn func(Stored) error) error {
	return eachBatched(ctx, func(ctx context.Context, after int64) ([]Stored, error) {
		var page []Stored
		err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
			var err error
			page, err = chainPage(ctx, tx, org, after, exportBatch)
			return err
		})
		return page, err
	}, fn)
}

func eachBatched(ctx context.Context, next func(context.Context, int64) ([]Stored, error), fn func(Stored) error) error {
	var after int64
	for {
		page, err := next(ctx, after)
		if err != nil {
			return err
		}
		for _, s := range page {
			if err := fn(s); err != nil {
				return err
			}
		}
		if len(page) < exportBatch {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

// Chains lists every chain in the database (uuid.Nil: the platform chain),
// through the owner connection.
func Chains(ctx context.Context, d *db.DB) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT DISTINCT org_id FROM audit_log")
		if err != nil {
			return fmt.Errorf("audit: list chains: %w", err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var org sql.NullString
			if err := rows.Scan(&org); err != nil {
				return fmt.Errorf("audit: list chains: %w", err)
			}
			id := uuid.Nil
			if org.Valid {
				if id, err = uuid.Parse(org.String); err != nil {
					return fmt.Errorf("audit: chain org id %q: %w", org.String, err)
				}
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// The platform chain (the nil UUID) first, then orgs by id.
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}
