package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/securenexus/securenexus/internal/tenant"
)

// Conn is what store code queries through: a *sql.DB or a *sql.Tx.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is an open transaction. Scope is the org it is armed for, if any.
type Tx struct {
	*sql.Tx
	Dialect  Dialect
	Scope    tenant.Scope
	ReadOnly bool

	db           *DB
	beforeCommit []func(ctx context.Context) error
	afterCommit  []func()
	values       map[any]any
}

// BeforeCommit registers fn to run inside the transaction just before it
// commits, after the work function returned nil; an error from fn rolls the
// transaction back and is returned by WithTx/InOrg. Hooks run in
// registration order, once, from the outermost transaction (a nested call
// that joined it only adds hooks). A hook may register further hooks.
func (tx *Tx) BeforeCommit(fn func(ctx context.Context) error) {
	tx.beforeCommit = append(tx.beforeCommit, fn)
}

// AfterCommit registers fn to run after the transaction committed
// successfully (never after a rollback). fn must not block: it runs on the
// goroutine of the caller of WithTx/InOrg (publish to a queue, do not do
// I/O).
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Value returns what SetValue stored under key in this transaction, or nil.
// It lets a package keep per-transaction state (such as pending events)
// without a field here; keys are unexported types of that package.
func (tx *Tx) Value(key any) any { return tx.values[key] }

// SetValue stores per-transaction state under key (see Value).
func (tx *Tx) SetValue(key, val any) {
	if tx.values == nil {
		tx.values = map[any]any{}
	}
	tx.values[key] = val
}

// Attached returns what (*DB).Attach stored under key on the database this
// transaction belongs to, or nil.
func (tx *Tx) Attached(key any) any {
	if tx.db == nil {
		return nil
	}
	return tx.db.Attached(key)
}

type txKey struct{}

// txFrom returns the transaction stored in ctx by an enclosing WithTx/InOrg.
func txFrom(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{}).(*Tx)
	return tx
}

// WithTx runs fn in a write transaction that is not armed for any org: on
// PostgreSQL, org-scoped tables are invisible inside it. Use it for global
// tables (users, orgs, sessions). fn's ctx carries the transaction so nested
// WithTx/InOrg calls join it. The transaction commits when fn returns nil and
// rolls back otherwise (including on panic).
func (d *DB) WithTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return d.run(ctx, tenant.Scope{}, false, fn)
}

// InOrg runs fn in a write transaction armed for scope's org: on PostgreSQL
// the per-transaction setting app.org_id is set, so row-level security
// confines every statement to that org. Store code must still filter by org
// (the first wall); RLS is the second.
func (d *DB) InOrg(ctx context.Context, scope tenant.Scope, fn func(ctx context.Context, tx *Tx) error) error {
	if !scope.Valid() {
		return errors.New("db: InOrg called without an org scope")
	}
	return d.run(ctx, scope, false, fn)
}

// ReadInOrg is InOrg for reads: on SQLite it uses the reader pool, so reads
// never wait for the single writer.
func (d *DB) ReadInOrg(ctx context.Context, scope tenant.Scope, fn func(ctx context.Context, tx *Tx) error) error {
	if !scope.Valid() {
		return errors.New("db: ReadInOrg called without an org scope")
	}
	return d.run(ctx, scope, true, fn)
}

// Read runs fn in a read-only transaction not armed for any org.
func (d *DB) Read(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return d.run(ctx, tenant.Scope{}, true, fn)
}

func (d *DB) run(ctx context.Context, scope tenant.Scope, readOnly bool, fn func(ctx context.Context, tx *Tx) error) (err error) {
	if outer := txFrom(ctx); outer != nil {
		if outer.Scope.Org() != scope.Org() && scope.Valid() {
			return fmt.Errorf("db: nested transaction for org %s inside one for org %s", scope.Org(), outer.Scope.Org())
		}
		if outer.ReadOnly && !readOnly {
			return errors.New("db: write transaction nested inside a read-only one")
		}
		return fn(ctx, outer)
	}
	pool := d.Writer
	if readOnly {
		pool = d.Reader
	}
	// database/sql's ReadOnly option is honoured by pgx (BEGIN READ ONLY);
	// the SQLite reader pool is query_only already.
	sqlTx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && d.Dialect == Postgres})
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, Dialect: d.Dialect, Scope: scope, ReadOnly: readOnly, db: d}
	txCtx := context.WithValue(ctx, txKey{}, tx)
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err == nil {
			for i := 0; i < len(tx.beforeCommit); i++ {
				if err = tx.beforeCommit[i](txCtx); err != nil {
					break
				}
			}
		}
		if err != nil {
			if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("db: rollback: %w", rbErr))
			}
			return
		}
		if cErr := sqlTx.Commit(); cErr != nil {
			err = fmt.Errorf("db: commit: %w", cErr)
			return
		}
		for _, fn := range tx.afterCommit {
			fn()
		}
	}()
	if d.Dialect == Postgres && scope.Valid() {
		if _, err = sqlTx.ExecContext(ctx, "SELECT set_config('app.org_id', $1, true)", scope.Org().String()); err != nil {
			return fmt.Errorf("db: arm row-level security: %w", err)
		}
	}
	return fn(txCtx, tx)
}
