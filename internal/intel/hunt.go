package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/tenant"
)

// HuntQueuer queues a retro-hunt for newly created indicators inside the
// import's transaction and returns the hunt's id.
type HuntQueuer interface {
	QueueHunt(ctx context.Context, tx *db.Tx, scope tenant.Scope, created []Indicator) (*uuid.UUID, error)
}

// Hunt is one retro-hunt run: new indicators matched against the entities
// of the alerts received in the last days.
type Hunt struct {
	ID         uuid.UUID  `json:"id"`
	Indicators int        `json:"indicators" doc:"Indicators hunted"`
	Since      time.Time  `json:"since" doc:"Alerts received from this time on were searched"`
	Status     string     `json:"status" enum:"queued,done,failed"`
	Scanned    int        `json:"scanned" doc:"Alert entity links examined"`
	Matched    int        `json:"matched" doc:"New matches recorded"`
	Truncated  bool       `json:"truncated" doc:"A bound was reached: more indicators or alerts than one hunt examines"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// huntTarget is one indicator of a hunt job.
type huntTarget struct {
	ID         uuid.UUID `json:"id"`
	FeedID     uuid.UUID `json:"feed_id"`
	Type       Type      `json:"type"`
	Value      string    `json:"value"`
	Subdomains bool      `json:"subdomains,omitempty"`
	Confidence int       `json:"confidence"`
}

// HuntArgs is the River job of one retro-hunt.
type HuntArgs struct {
	HuntID  uuid.UUID    `json:"hunt_id"`
	OrgID   uuid.UUID    `json:"org_id"`
	Since   time.Time    `json:"since"`
	Targets []huntTarget `json:"targets"`
}

// Kind is the River job kind.
func (HuntArgs) Kind() string { return "intel.retrohunt" }

// Hunter queues and runs retro-hunts.
type Hunter struct {
	Store *Store
	// Jobs enqueues the hunt job; nil runs nothing (the hunt stays queued
	// until Run is called, as tests do).
	Jobs *jobs.Client
	// Days is how far back a hunt looks.
	Days int
	// MaxIndicators bounds the indicators of one hunt; MaxLinks bounds the
	// alert entity links one hunt examines.
	MaxIndicators, MaxLinks int
	// Policy decorates retro-matched alerts like ingest does.
	Policy *Matcher

	river.WorkerDefaults[HuntArgs]
	mu      sync.Mutex
	pending []HuntArgs
}

func (h *Hunter) limits() (days, inds, links int) {
	days, inds, links = h.Days, h.MaxIndicators, h.MaxLinks
	if days <= 0 {
		days = 30
	}
	if inds <= 0 {
		inds = 10000
	}
	if links <= 0 {
		links = 100000
	}
	return days, inds, links
}

// QueueHunt records a hunt and enqueues its job in tx.
func (h *Hunter) QueueHunt(ctx context.Context, tx *db.Tx, scope tenant.Scope, created []Indicator) (*uuid.UUID, error) {
	days, maxInds, _ := h.limits()
	args := HuntArgs{HuntID: uuid.Must(uuid.NewV7()), OrgID: scope.Org(), Since: h.Store.now().Add(-time.Duration(days) * 24 * time.Hour)}
	truncated := false
	for _, ind := range created {
		if !ind.Detect {
			continue
		}
		if len(args.Targets) == maxInds {
			truncated = true
			break
		}
		args.Targets = append(args.Targets, huntTarget{ID: ind.ID, FeedID: ind.FeedID, Type: ind.Type, Value: ind.Value, Subdomains: ind.Subdomains, Confidence: ind.Confidence})
	}
	if len(args.Targets) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO intel_hunts (id, org_id, indicators, since, status, truncated, created_at)
VALUES ($1, $2, $3, $4, 'queued', $5, $6)`, args.HuntID.String(), scope.Org().String(), len(args.Targets), args.Since, truncated, h.Store.now()); err != nil {
		return nil, fmt.Errorf("intel: record hunt: %w", err)
	}
	if h.Jobs != nil {
		if _, err := h.Jobs.InsertTx(ctx, tx.Tx, args, nil); err != nil {
			return nil, fmt.Errorf("intel: enqueue hunt: %w", err)
		}
	} else {
		h.mu.Lock()
		h.pending = append(h.pending, args)
		h.mu.Unlock()
	}
	return &args.HuntID, nil
}

// Work runs a hunt job.
func (h *Hunter) Work(ctx context.Context, job *river.Job[HuntArgs]) error {
	return h.Run(ctx, job.Args)
}

// RunPending runs the hunts queued without a job client (tests, bench).
func (h *Hunter) RunPending(ctx context.Context) error {
	h.mu.Lock()
	p := h.pending
	h.pending = nil
	h.mu.Unlock()
	for _, a := range p {
		if err := h.Run(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// linkHit is one alert entity link a hunt found.
type linkHit struct {
	alertID uuid.UUID
	role    string
	value   string
}

// Run executes one hunt and records its outcome on the hunt row.
func (h *Hunter) Run(ctx context.Context, a HuntArgs) error {
	scope := tenant.System(a.OrgID, "intel retro-hunt")
	_, _, maxLinks := h.limits()
	scanned, matched, truncated := 0, 0, false
	runErr := h.Store.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		touched := map[uuid.UUID][]Hit{}
		for _, t := range a.Targets {
			budget := maxLinks - scanned
			if budget <= 0 {
				truncated = true
				break
			}
			links, more, err := huntLinks(ctx, tx, a.OrgID, t, a.Since, budget)
			if err != nil {
				return err
			}
			scanned += len(links)
			truncated = truncated || more
			for _, l := range links {
				hit := Hit{IndicatorID: t.ID, FeedID: t.FeedID, Type: t.Type, Value: l.value, Role: l.role, Confidence: t.Confidence}
				n, err := h.Store.insertMatches(ctx, tx, scope, l.alertID, []Hit{hit}, SourceRetroHunt)
				if err != nil {
					return err
				}
				if n > 0 {
					matched++
					touched[l.alertID] = append(touched[l.alertID], hit)
				}
			}
		}
		for id, hits := range touched {
			if err := h.decorateStored(ctx, tx, a.OrgID, id, hits); err != nil {
				return err
			}
		}
		return nil
	})
	status, msg := "done", ""
	if runErr != nil {
		status, msg = "failed", truncate(runErr.Error(), 500)
	}
	err := h.Store.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE intel_hunts SET status = $3, scanned = $4, matched = $5, truncated = truncated OR $6, error = $7,
finished_at = $8 WHERE org_id = $1 AND id = $2`, a.OrgID.String(), a.HuntID.String(), status, scanned, matched, truncated, msg, h.Store.now())
		return err
	})
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("intel: record hunt outcome: %w", err))
	}
	return runErr
}

// entityTypes are the alert entity types an indicator type matches.
func entityTypes(t Type) []string {
	switch t {
	case TypeIPv4, TypeIPv6, TypeCIDR:
		return []string{string(alert.EntityIP)}
	case TypeDomain:
		return []string{string(alert.EntityDomain), string(alert.EntityHostname)}
	}
	return []string{string(t)}
}

// huntLinks finds the alert entity links of alerts received since that
// target matches, at most limit (more reports that the bound cut it).
func huntLinks(ctx context.Context, tx *db.Tx, org uuid.UUID, t huntTarget, since time.Time, limit int) ([]linkHit, bool, error) {
	types := entityTypes(t.Type)
	args := []any{org.String(), since, types[0]}
	typeCond := "e.type = $3"
	if len(types) > 1 {
		args = append(args, types[1])
		typeCond = "e.type IN ($3, $4)"
	}
	var prefix netip.Prefix
	valueCond := ""
	switch {
	case t.Type == TypeCIDR:
		p, err := netip.ParsePrefix(t.Value)
		if err != nil {
			return nil, false, nil
		}
		prefix = p
		if tx.Dialect == db.Postgres {
			args = append(args, t.Value)
			valueCond = fmt.Sprintf(" AND e.value::inet <<= $%d::inet", len(args))
		}
	case t.Type == TypeDomain && t.Subdomains:
		args = append(args, t.Value, "%."+escapeLike(t.Value))
		valueCond = fmt.Sprintf(" AND (e.value = $%d OR e.value LIKE $%d ESCAPE '\\')", len(args)-1, len(args))
	default:
		args = append(args, t.Value)
		valueCond = fmt.Sprintf(" AND e.value = $%d", len(args))
	}
	args = append(args, limit+1)
	q := `SELECT ae.alert_id, ae.role, e.value FROM entities e
JOIN alert_entities ae ON ae.org_id = e.org_id AND ae.entity_id = e.id
JOIN alerts a ON a.org_id = ae.org_id AND a.id = ae.alert_id
WHERE e.org_id = $1 AND a.received_time >= $2 AND ` + typeCond + valueCond + fmt.Sprintf(` ORDER BY a.received_time DESC LIMIT $%d`, len(args))
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("intel: hunt query: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []linkHit
	seen := 0
	for rows.Next() {
		var l linkHit
		if err := rows.Scan(&l.alertID, &l.role, &l.value); err != nil {
			return nil, false, fmt.Errorf("intel: hunt scan: %w", err)
		}
		seen++
		if prefix.IsValid() {
			ip, err := netip.ParseAddr(l.value)
			if err != nil || !prefix.Contains(ip.Unmap()) {
				continue
			}
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("intel: hunt rows: %w", err)
	}
	if seen > limit {
		return out[:min(len(out), limit)], true, nil
	}
	return out, false, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// decorateStored tags (and by the policy raises) a stored alert that a
// hunt matched.
func (h *Hunter) decorateStored(ctx context.Context, tx *db.Tx, org, id uuid.UUID, hits []Hit) error {
	var tags string
	var sev int
	err := tx.QueryRowContext(ctx, `SELECT tags, severity_id FROM alerts WHERE org_id = $1 AND id = $2`, org.String(), id.String()).Scan(&tags, &sev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("intel: read matched alert: %w", err)
	}
	a := alert.Alert{Severity: alert.Severity(sev)}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return fmt.Errorf("intel: decode alert tags: %w", err)
	}
	m := h.Policy
	if m == nil {
		m = &Matcher{}
	}
	m.decorate(&a, hits)
	cast := ""
	if tx.Dialect == db.Postgres {
		cast = "::jsonb"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE alerts SET tags = $3`+cast+`, severity_id = $4, updated_at = $5 WHERE org_id = $1 AND id = $2`,
		org.String(), id.String(), jsonList(a.Tags), int(a.Severity), h.Store.now()); err != nil {
		return fmt.Errorf("intel: tag matched alert: %w", err)
	}
	return nil
}

// Hunts returns one page of the org's hunts, newest first.
func (s *Store) Hunts(ctx context.Context, scope tenant.Scope, after *uuid.UUID, limit int) ([]Hunt, *uuid.UUID, error) {
	limit = min(max(limit, 1), 200)
	var out []Hunt
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		args := []any{scope.Org().String(), limit + 1}
		cond := ""
		if after != nil {
			args = append(args, after.String())
			cond = " AND id < $3"
		}
		var err error
		out, err = db.Collect(ctx, tx, scanHunt, `SELECT `+huntCols+` FROM intel_hunts WHERE org_id = $1`+cond+` ORDER BY id DESC LIMIT $2`, args...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		out = []Hunt{}
	}
	var next *uuid.UUID
	if len(out) > limit {
		out = out[:limit]
		id := out[limit-1].ID
		next = &id
	}
	return out, next, nil
}

// Hunt returns one hunt.
func (s *Store) Hunt(ctx context.Context, scope tenant.Scope, id uuid.UUID) (Hunt, error) {
	var h Hunt
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		h, err = scanHunt(tx.QueryRowContext(ctx, `SELECT `+huntCols+` FROM intel_hunts WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("hunt")
		}
		return err
	})
	return h, err
}

const huntCols = `id, indicators, since, status, scanned, matched, truncated, error, created_at, finished_at`

func scanHunt(sc db.Scanner) (Hunt, error) {
	var h Hunt
	var fin sql.NullTime
	if err := sc.Scan(&h.ID, &h.Indicators, &h.Since, &h.Status, &h.Scanned, &h.Matched, &h.Truncated, &h.Error, &h.CreatedAt, &fin); err != nil {
		return h, fmt.Errorf("intel: scan hunt: %w", err)
	}
	h.Since, h.CreatedAt = h.Since.UTC(), h.CreatedAt.UTC()
	if fin.Valid {
		t := fin.Time.UTC()
		h.FinishedAt = &t
	}
	return h, nil
}
