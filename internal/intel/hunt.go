package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
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

// HuntArgs is the River job of one retro-hunt. Its indicators are on the
// hunt's row (intel_hunts.targets); Targets is only set by jobs queued
// before that column existed, and by tests.
type HuntArgs struct {
	HuntID  uuid.UUID    `json:"hunt_id"`
	OrgID   uuid.UUID    `json:"org_id"`
	Since   time.Time    `json:"since"`
	Targets []huntTarget `json:"targets,omitempty"`
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

// QueueHunt records a hunt (with the ids of its indicators) and enqueues
// its job in tx.
func (h *Hunter) QueueHunt(ctx context.Context, tx *db.Tx, scope tenant.Scope, created []Indicator) (*uuid.UUID, error) {
	days, maxInds, _ := h.limits()
	args := HuntArgs{HuntID: uuid.Must(uuid.NewV7()), OrgID: scope.Org(), Since: h.Store.now().Add(-time.Duration(days) * 24 * time.Hour)}
	truncated := false
	ids := make([]string, 0, min(len(created), maxInds))
	for _, ind := range created {
		if !ind.Detect {
			continue
		}
		if len(ids) == maxInds {
			truncated = true
			break
		}
		ids = append(ids, ind.ID.String())
	}
	if len(ids) == 0 {
		return nil, nil
	}
	targets, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("intel: encode hunt targets: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO intel_hunts (id, org_id, indicators, since, status, truncated, created_at, targets)
VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7)`, args.HuntID.String(), scope.Org().String(), len(ids), args.Since, truncated, h.Store.now(), string(targets)); err != nil {
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
	alertID   uuid.UUID
	role      string
	value     string
	eventTime time.Time
}

// Run executes one hunt and records its outcome on the hunt row. The
// matches are recorded in the alerts' event-time order (then alert id,
// indicator id and role): sightings, fan-out counts and events follow
// the order the alerts happened in, whatever order the queries returned.
func (h *Hunter) Run(ctx context.Context, a HuntArgs) error {
	scope := tenant.System(a.OrgID, "intel retro-hunt")
	_, _, maxLinks := h.limits()
	scanned, matched, truncated := 0, 0, false
	runErr := h.Store.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		scanned, matched, truncated = 0, 0, false
		targets := a.Targets
		if len(targets) == 0 {
			var err error
			if targets, err = huntTargets(ctx, tx, a.OrgID, a.HuntID); err != nil {
				return err
			}
		}
		found, n, cut, err := huntFind(ctx, tx, a.OrgID, targets, a.Since, maxLinks)
		if err != nil {
			return err
		}
		scanned, truncated = n, cut
		slices.SortFunc(found, func(x, y foundHit) int {
			if c := x.eventTime.Compare(y.eventTime); c != 0 {
				return c
			}
			if c := slices.Compare(x.alert[:], y.alert[:]); c != 0 {
				return c
			}
			if c := slices.Compare(x.hit.IndicatorID[:], y.hit.IndicatorID[:]); c != 0 {
				return c
			}
			return strings.Compare(x.hit.Role, y.hit.Role)
		})
		ms := make([]pendingMatch, len(found))
		for i, f := range found {
			ms[i] = f.pendingMatch
		}
		fresh, err := h.Store.recordBatch(ctx, tx, scope, ms, SourceRetroHunt)
		if err != nil {
			return err
		}
		matched = len(fresh)
		var order []uuid.UUID
		touched := map[uuid.UUID][]Hit{}
		for _, m := range fresh {
			if _, ok := touched[m.alert]; !ok {
				order = append(order, m.alert)
			}
			touched[m.alert] = append(touched[m.alert], m.hit)
		}
		for _, id := range order {
			if err := h.decorateStored(ctx, tx, a.OrgID, id, touched[id]); err != nil {
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

// foundHit is a hunt's match with the alert's event time.
type foundHit struct {
	pendingMatch
	eventTime time.Time
}

// huntTargets reads the hunt's indicators that still exist and detect.
func huntTargets(ctx context.Context, tx *db.Tx, org, hunt uuid.UUID) ([]huntTarget, error) {
	var raw string
	err := tx.QueryRowContext(ctx, `SELECT targets FROM intel_hunts WHERE org_id = $1 AND id = $2`, org.String(), hunt.String()).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intel: read hunt targets: %w", err)
	}
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil, fmt.Errorf("intel: decode hunt targets: %w", err)
	}
	var out []huntTarget
	const cols = `SELECT id, feed_id, type, value, subdomains, confidence FROM intel_indicators WHERE org_id = $1 AND NOT deleted AND detect AND `
	for lo := 0; lo < len(ids); lo += 5000 {
		part := ids[lo:min(lo+5000, len(ids))]
		var q string
		var arg any = part
		if tx.Dialect == db.Postgres {
			q = cols + `id = ANY($2::uuid[]) ORDER BY id`
		} else {
			b, err := json.Marshal(part)
			if err != nil {
				return nil, fmt.Errorf("intel: hunt targets: %w", err)
			}
			q, arg = cols+`id IN (SELECT value FROM json_each($2)) ORDER BY id`, string(b)
		}
		rows, err := tx.QueryContext(ctx, q, org.String(), arg)
		if err != nil {
			return nil, fmt.Errorf("intel: hunt targets: %w", err)
		}
		for rows.Next() {
			var t huntTarget
			if err := rows.Scan(&t.ID, &t.FeedID, &t.Type, &t.Value, &t.Subdomains, &t.Confidence); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("intel: hunt targets: %w", err)
			}
			out = append(out, t)
		}
		err = rows.Err()
		_ = rows.Close()
		if err != nil {
			return nil, fmt.Errorf("intel: hunt targets: %w", err)
		}
	}
	return out, nil
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

// huntValueChunk is how many exact values one hunt query looks up.
const huntValueChunk = 1000

// huntFind finds the alert entity links (of alerts received since) that
// the targets match, examining at most limit links: exact values with one
// query per entity type group and chunk of values, CIDRs and subdomain
// indicators with one query each. It returns the hits, the links examined
// and whether the bound cut the search.
func huntFind(ctx context.Context, tx *db.Tx, org uuid.UUID, targets []huntTarget, since time.Time, limit int) ([]foundHit, int, bool, error) {
	var out []foundHit
	scanned, truncated := 0, false
	type group struct {
		types  []string
		values []string
		by     map[string][]int
	}
	groups := map[string]*group{}
	var groupOrder []string
	var special []int
	for i, t := range targets {
		if t.Type == TypeCIDR || (t.Type == TypeDomain && t.Subdomains) {
			special = append(special, i)
			continue
		}
		types := entityTypes(t.Type)
		k := strings.Join(types, ",")
		g, ok := groups[k]
		if !ok {
			g = &group{types: types, by: map[string][]int{}}
			groups[k] = g
			groupOrder = append(groupOrder, k)
		}
		if _, ok := g.by[t.Value]; !ok {
			g.values = append(g.values, t.Value)
		}
		g.by[t.Value] = append(g.by[t.Value], i)
	}
	for _, k := range groupOrder {
		g := groups[k]
		for lo := 0; lo < len(g.values); lo += huntValueChunk {
			budget := limit - scanned
			if budget <= 0 {
				return out, scanned, true, nil
			}
			links, more, err := huntValues(ctx, tx, org, g.types, g.values[lo:min(lo+huntValueChunk, len(g.values))], since, budget)
			if err != nil {
				return nil, 0, false, err
			}
			scanned += len(links)
			truncated = truncated || more
			for _, l := range links {
				for _, i := range g.by[l.value] {
					out = append(out, found(targets[i], l))
				}
			}
		}
	}
	for _, i := range special {
		budget := limit - scanned
		if budget <= 0 {
			return out, scanned, true, nil
		}
		links, more, err := huntLinks(ctx, tx, org, targets[i], since, budget)
		if err != nil {
			return nil, 0, false, err
		}
		scanned += len(links)
		truncated = truncated || more
		for _, l := range links {
			out = append(out, found(targets[i], l))
		}
	}
	return out, scanned, truncated, nil
}

func found(t huntTarget, l linkHit) foundHit {
	return foundHit{pendingMatch{l.alertID, Hit{IndicatorID: t.ID, FeedID: t.FeedID, Type: t.Type, Value: l.value, Role: l.role, Confidence: t.Confidence}}, l.eventTime}
}

const huntSelect = `SELECT ae.alert_id, ae.role, e.value, a.event_time FROM entities e
JOIN alert_entities ae ON ae.org_id = e.org_id AND ae.entity_id = e.id
JOIN alerts a ON a.org_id = ae.org_id AND a.id = ae.alert_id
WHERE e.org_id = $1 AND a.received_time >= $2 AND `

// huntValues finds the links of entities of those types with one of the
// values, at most limit (more reports that the bound cut it).
func huntValues(ctx context.Context, tx *db.Tx, org uuid.UUID, types, values []string, since time.Time, limit int) ([]linkHit, bool, error) {
	args := []any{org.String(), since}
	marks := make([]string, len(types))
	for i, t := range types {
		args = append(args, t)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	cond := "e.type IN (" + strings.Join(marks, ", ") + ")"
	if tx.Dialect == db.Postgres {
		args = append(args, values)
		cond += fmt.Sprintf(" AND e.value = ANY($%d::text[])", len(args))
	} else {
		b, err := json.Marshal(values)
		if err != nil {
			return nil, false, fmt.Errorf("intel: hunt values: %w", err)
		}
		args = append(args, string(b))
		cond += fmt.Sprintf(" AND e.value IN (SELECT value FROM json_each($%d))", len(args))
	}
	args = append(args, limit+1)
	return scanLinks(ctx, tx, huntSelect+cond+fmt.Sprintf(` ORDER BY a.received_time DESC, ae.alert_id LIMIT $%d`, len(args)), netip.Prefix{}, limit, args...)
}

// huntLinks finds the alert entity links of alerts received since that a
// CIDR or subdomain target matches, at most limit (more reports that the
// bound cut it).
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
	return scanLinks(ctx, tx, huntSelect+typeCond+valueCond+fmt.Sprintf(` ORDER BY a.received_time DESC, ae.alert_id LIMIT $%d`, len(args)), prefix, limit, args...)
}

// scanLinks reads the links of a hunt query (keeping, with a valid
// prefix, only addresses inside it), at most limit.
func scanLinks(ctx context.Context, tx *db.Tx, q string, prefix netip.Prefix, limit int, args ...any) ([]linkHit, bool, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("intel: hunt query: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []linkHit
	seen := 0
	for rows.Next() {
		var l linkHit
		if err := rows.Scan(&l.alertID, &l.role, &l.value, &l.eventTime); err != nil {
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
