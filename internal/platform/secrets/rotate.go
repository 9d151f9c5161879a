package secrets

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Column is one database column holding sealed values. Modules declare
// theirs (identity.SealedColumns, ingest.SealedColumns) so rotation and the
// start-up re-seal find every sealed value.
type Column struct {
	Table  string
	Column string
	// Field is the Ref field the values are sealed with.
	Field string
	// Key is the primary key column (the Ref row); a UUID.
	Key string
	// Org is the org column; empty for platform-level tables.
	Org string
	// Binary: the column is bytea/BLOB (else text).
	Binary bool
	// Legacy is the format the column held before the keyring.
	Legacy Legacy
}

// RotateOptions tune Rotate.
type RotateOptions struct {
	// BatchSize rows are re-sealed per transaction (200 when 0).
	BatchSize int
	// OnlyLegacy re-seals only values in a pre-keyring format (start-up);
	// otherwise every value not under the current key is re-sealed.
	OnlyLegacy bool
	// Actor of the audit entries ("system:secrets-rotate" when empty).
	Actor string
	// Audit writes the audit entry of each batch that re-sealed values, in
	// the batch's transaction (the caller adapts audit.Record: secrets sits
	// below the audit module). Required.
	Audit  func(ctx context.Context, tx *db.Tx, e AuditEntry) error
	Logger *slog.Logger
}

// AuditEntry is what one re-sealed batch reports: action "secrets.reseal",
// target the column, details the count and the new key id (never values).
type AuditEntry struct {
	Org     uuid.UUID // uuid.Nil for platform-level tables
	Actor   string
	Action  string
	Target  string // "table.column"
	Details json.RawMessage
}

// RotateResult counts what Rotate did.
type RotateResult struct {
	Resealed int
	Current  int // already under the current key
	Failed   int // values that open under no held key (left unchanged)
}

// Rotate re-seals every sealed value of cols under k's current key, in
// batches of one transaction each: a value is opened (under any held key,
// or in its column's legacy format), sealed again, verified to open, and
// written only if the row still holds the value read. Each batch that
// changed rows writes an audit entry in its transaction. Values already
// under the current key are skipped, so an interrupted rotation resumes by
// running again. A value that opens under no held key is counted and left
// as it is; Rotate then returns an error after finishing the rest.
func Rotate(ctx context.Context, d *db.DB, k *Keyring, cols []Column, o RotateOptions) (RotateResult, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 200
	}
	if o.Actor == "" {
		o.Actor = "system:secrets-rotate"
	}
	if o.Audit == nil {
		return RotateResult{}, errors.New("secrets: rotate needs an audit recorder")
	}
	var res RotateResult
	var orgs []uuid.UUID
	for _, c := range cols {
		if c.Org == "" {
			if err := rotateScope(ctx, d, k, c, uuid.Nil, o, &res); err != nil {
				return res, err
			}
			continue
		}
		if orgs == nil {
			var err error
			if orgs, err = listOrgs(ctx, d); err != nil {
				return res, err
			}
		}
		for _, org := range orgs {
			if err := rotateScope(ctx, d, k, c, org, o, &res); err != nil {
				return res, err
			}
		}
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("%w: %d sealed values open under no configured key (left unchanged)", ErrOpen, res.Failed)
	}
	return res, nil
}

func listOrgs(ctx context.Context, d *db.DB) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM orgs ORDER BY id`)
		if err != nil {
			return fmt.Errorf("secrets: list orgs: %w", err)
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("secrets: scan org: %w", err)
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

type sealedRow struct {
	key   string
	value []byte
}

// rotateScope walks one column of one org (or of a platform table) in key
// order, one transaction per batch.
func rotateScope(ctx context.Context, d *db.DB, k *Keyring, c Column, org uuid.UUID, o RotateOptions, res *RotateResult) error {
	after := uuid.Nil.String()
	for {
		var n int
		run := func(ctx context.Context, tx *db.Tx) error {
			rows, err := readBatch(ctx, tx, c, org, after, o.BatchSize)
			if err != nil {
				return err
			}
			n = len(rows)
			resealed := 0
			for _, r := range rows {
				after = r.key
				if len(r.value) == 0 {
					continue
				}
				done, err := resealOne(ctx, tx, k, c, org, r, o.OnlyLegacy)
				switch {
				case errors.Is(err, ErrOpen):
					res.Failed++
					if o.Logger != nil {
						o.Logger.Error("sealed value opens under no configured key", "table", c.Table, "column", c.Column, "row", r.key, "org_id", org.String())
					}
				case err != nil:
					return err
				case done:
					resealed++
				default:
					res.Current++
				}
			}
			res.Resealed += resealed
			if resealed == 0 {
				return nil
			}
			details, err := json.Marshal(map[string]any{"column": c.Table + "." + c.Column, "count": resealed, "key_id": k.CurrentID()})
			if err != nil {
				return fmt.Errorf("secrets: audit details: %w", err)
			}
			return o.Audit(ctx, tx, AuditEntry{Org: org, Actor: o.Actor, Action: "secrets.reseal", Target: c.Table + "." + c.Column, Details: details})
		}
		var err error
		if org == uuid.Nil {
			err = d.WithTx(ctx, run)
		} else {
			err = d.InOrg(ctx, tenant.System(org, "secrets rotate"), run)
		}
		if err != nil {
			return fmt.Errorf("secrets: rotate %s.%s: %w", c.Table, c.Column, err)
		}
		if n < o.BatchSize {
			return nil
		}
	}
}

func readBatch(ctx context.Context, tx *db.Tx, c Column, org uuid.UUID, after string, limit int) ([]sealedRow, error) {
	// Identifiers come from the modules' column declarations, never input.
	q := `SELECT ` + c.Key + `, ` + c.Column + ` FROM ` + c.Table + ` WHERE ` + c.Key + ` > $1`
	args := []any{after}
	if c.Org != "" {
		q += ` AND ` + c.Org + ` = $2`
		args = append(args, org.String())
	}
	q += fmt.Sprintf(` ORDER BY %s LIMIT %d`, c.Key, limit)
	if tx.Dialect == db.Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.Table, err)
	}
	defer func() { _ = rows.Close() }()
	var out []sealedRow
	for rows.Next() {
		var r sealedRow
		if c.Binary {
			err = rows.Scan(&r.key, &r.value)
		} else {
			var s sql.NullString
			err = rows.Scan(&r.key, &s)
			r.value = []byte(s.String)
		}
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", c.Table, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// resealOne re-seals one value; done is false when it needed nothing.
func resealOne(ctx context.Context, tx *db.Tx, k *Keyring, c Column, org uuid.UUID, r sealedRow, onlyLegacy bool) (bool, error) {
	if len(r.value) == 0 {
		return false, nil
	}
	v := string(r.value)
	ref := Ref{Org: org, Table: c.Table, Field: c.Field, Row: r.key}
	var plain []byte
	var err error
	switch {
	case IsSealed(v):
		if onlyLegacy || k.IsCurrent(v) {
			return false, nil
		}
		plain, err = k.Open(ref, v)
	case c.Legacy != LegacyNone:
		plain, err = k.openLegacy(c.Legacy, r.value)
	default:
		return false, fmt.Errorf("%w: %s.%s row %s has an unknown format", ErrOpen, c.Table, c.Column, r.key)
	}
	if err != nil {
		return false, err
	}
	sealed, err := k.Seal(ref, plain)
	if err != nil {
		return false, err
	}
	if back, err := k.Open(ref, sealed); err != nil || !bytes.Equal(back, plain) {
		return false, fmt.Errorf("secrets: re-sealed %s.%s row %s does not open back: %w", c.Table, c.Column, r.key, err)
	}
	var newVal any = sealed
	var oldVal any = v
	if c.Binary {
		newVal, oldVal = []byte(sealed), r.value
	}
	_, err = tx.ExecContext(ctx, `UPDATE `+c.Table+` SET `+c.Column+` = $1 WHERE `+c.Key+` = $2 AND `+c.Column+` = $3`, newVal, r.key, oldVal)
	if err != nil {
		return false, fmt.Errorf("secrets: update %s.%s: %w", c.Table, c.Column, err)
	}
	return true, nil
}

// ResealLegacy re-seals, once per database, every value still in a
// pre-keyring format (serve runs it at start, before serving). A marker row
// in secret_reseals records that it completed; later starts skip the scan.
func ResealLegacy(ctx context.Context, d *db.DB, k *Keyring, cols []Column, o RotateOptions) error {
	const marker = "keyring-v1"
	var done int
	err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM secret_reseals WHERE name = $1`, marker).Scan(&done)
	})
	if err != nil {
		return fmt.Errorf("secrets: read re-seal marker: %w", err)
	}
	if done > 0 {
		return nil
	}
	o.OnlyLegacy = true
	if o.Actor == "" {
		o.Actor = "system:secrets-upgrade"
	}
	res, err := Rotate(ctx, d, k, cols, o)
	if err != nil {
		return err
	}
	if o.Logger != nil && res.Resealed > 0 {
		o.Logger.Info("re-sealed secrets in the keyring format", "count", res.Resealed, "key_id", k.CurrentID())
	}
	return d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO secret_reseals (name, done_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, marker, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("secrets: write re-seal marker: %w", err)
		}
		return nil
	})
}
