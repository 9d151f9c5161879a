package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Bounds of one report: beyond them the report says how many were left
// out (the API lists remain complete).
const (
	MaxReportAlerts   = 2000
	MaxReportChanges  = 5000
	MaxReportEntities = 500
)

// Data is everything a report shows, gathered through the facades.
type Data struct {
	GeneratedAt time.Time
	GeneratedBy string
	Incident    *incident.Incident
	// Alerts are the linked alerts by event time (at most
	// MaxReportAlerts); AlertsLeftOut counts the rest.
	Alerts        []incident.LinkedAlert
	AlertsLeftOut int
	Changes       []incident.StateChange
	ChangesLeft   bool
	Notes         []incident.Note
	Tasks         []incident.Task
	Matches       []intel.Match
	IntelMissing  bool
	Manifest      *evidence.SignedManifest
	manifest      evidence.Manifest
	Review        *Review
	names         map[string]string
}

// gather reads the incident and what hangs off it (not the manifest:
// exporting it writes custody entries, see Export).
func (m *Module) gather(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Data, error) {
	inc, err := m.incidents.Get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	d := &Data{Incident: inc, names: map[string]string{}}
	var after *uuid.UUID
	for {
		page, next, err := m.incidents.LinkedAlerts(ctx, scope, id, after, 500)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			if len(d.Alerts) < MaxReportAlerts {
				d.Alerts = append(d.Alerts, a)
			} else {
				d.AlertsLeftOut++
			}
		}
		if next == "" || len(page) == 0 {
			break
		}
		u := page[len(page)-1].AlertID
		after = &u
	}
	slices.SortStableFunc(d.Alerts, func(a, b incident.LinkedAlert) int {
		if c := a.EventTime.Compare(b.EventTime); c != 0 {
			return c
		}
		return strings.Compare(a.AlertID.String(), b.AlertID.String())
	})
	after = nil
	for {
		page, next, err := m.incidents.Timeline(ctx, scope, id, after, 500)
		if err != nil {
			return nil, err
		}
		d.Changes = append(d.Changes, page...)
		if len(d.Changes) >= MaxReportChanges {
			d.Changes, d.ChangesLeft = d.Changes[:MaxReportChanges], true
			break
		}
		if next == "" || len(page) == 0 {
			break
		}
		u := page[len(page)-1].ID
		after = &u
	}
	if d.Notes, err = m.incidents.Notes(ctx, scope, id); err != nil {
		return nil, err
	}
	if d.Tasks, err = m.incidents.Tasks(ctx, scope, id); err != nil {
		return nil, err
	}
	if m.intel != nil && len(d.Alerts) > 0 {
		ids := make([]uuid.UUID, len(d.Alerts))
		for i, a := range d.Alerts {
			ids[i] = a.AlertID
		}
		if d.Matches, err = m.intel.MatchesOfAlerts(ctx, scope, ids); err != nil {
			return nil, err
		}
	} else if m.intel == nil {
		d.IntelMissing = true
	}
	if d.Review, err = m.Review(ctx, scope, id); err != nil {
		return nil, err
	}
	m.resolveNames(ctx, scope, d)
	return d, nil
}

// resolveNames looks up the display names of every user the report shows.
func (m *Module) resolveNames(ctx context.Context, scope tenant.Scope, d *Data) {
	var users []uuid.UUID
	add := func(u *uuid.UUID) {
		if u != nil && !slices.Contains(users, *u) {
			users = append(users, *u)
		}
	}
	actor := func(a string) {
		if rest, ok := strings.CutPrefix(a, "user:"); ok {
			if u, err := uuid.Parse(rest); err == nil {
				add(&u)
			}
		}
	}
	add(d.Incident.Assignee)
	for i := range d.Incident.Responders {
		add(&d.Incident.Responders[i])
	}
	actor(d.Incident.CreatedBy)
	actor(scope.Actor())
	for _, c := range d.Changes {
		actor(c.Actor)
	}
	for _, n := range d.Notes {
		actor(n.Author)
		for i := range n.Mentions {
			add(&n.Mentions[i])
		}
	}
	for _, t := range d.Tasks {
		add(t.Assignee)
	}
	actor(d.Review.CreatedBy)
	actor(d.Review.UpdatedBy)
	for _, u := range users {
		name := ""
		if m.people != nil {
			if n, err := m.people.DisplayName(ctx, scope, u); err == nil {
				name = n
			} else if !apperr.Is(err, apperr.KindNotFound) {
				m.logger.WarnContext(ctx, "report: member name", "user", u.String(), "error", err)
			}
		}
		if name == "" {
			name = "user " + u.String()
		}
		d.names[u.String()] = name
	}
}

// user names a user id.
func (d *Data) user(u *uuid.UUID) string {
	if u == nil {
		return "unassigned"
	}
	if n, ok := d.names[u.String()]; ok {
		return n
	}
	return "user " + u.String()
}

// actor names an actor string ("user:<id>", "apikey:<id>",
// "system:<reason>").
func (d *Data) actor(a string) string {
	kind, rest, ok := strings.Cut(a, ":")
	switch {
	case !ok:
		return a
	case kind == "user":
		if n, ok := d.names[rest]; ok {
			return n
		}
		return "user " + rest
	case kind == "apikey":
		return "API key " + rest
	case kind == "system":
		return "system (" + rest + ")"
	}
	return a
}

// mentions replaces <@user-id> in a note body by @name.
func (d *Data) mentions(body string) string {
	for _, u := range incident.Mentions(body) {
		body = strings.ReplaceAll(body, "<@"+u.String()+">", "@"+d.user(&u))
	}
	return body
}

// setManifest keeps the signed manifest and its decoded body.
func (d *Data) setManifest(sm *evidence.SignedManifest) error {
	d.Manifest = sm
	if err := json.Unmarshal(sm.Manifest, &d.manifest); err != nil {
		return fmt.Errorf("report: decode manifest: %w", err)
	}
	return nil
}

// entityRow aggregates one entity over the incident's alerts.
type entityRow struct {
	Type        alert.EntityType
	Value       string
	Roles       []string
	Alerts      int
	First, Last time.Time
}

func (d *Data) entities() ([]entityRow, int) {
	idx := map[string]int{}
	var out []entityRow
	for _, a := range d.Alerts {
		seen := map[string]bool{}
		for _, e := range a.Entities {
			k := string(e.Type) + "\x00" + e.Value
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, entityRow{Type: e.Type, Value: e.Value, First: a.EventTime, Last: a.EventTime})
			}
			r := &out[i]
			if e.Role != "" && !slices.Contains(r.Roles, e.Role) {
				r.Roles = append(r.Roles, e.Role)
			}
			if !seen[k] {
				seen[k] = true
				r.Alerts++
			}
			if a.EventTime.Before(r.First) {
				r.First = a.EventTime
			}
			if a.EventTime.After(r.Last) {
				r.Last = a.EventTime
			}
		}
	}
	slices.SortStableFunc(out, func(a, b entityRow) int {
		if a.Alerts != b.Alerts {
			return b.Alerts - a.Alerts
		}
		if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	left := 0
	if len(out) > MaxReportEntities {
		left = len(out) - MaxReportEntities
		out = out[:MaxReportEntities]
	}
	return out, left
}

// indicatorRow aggregates the intel matches of one indicator value.
type indicatorRow struct {
	Type          string
	Value         string
	Roles         []string
	Alerts        int
	Sources       []string
	FalsePositive bool
}

func (d *Data) indicators() []indicatorRow {
	idx := map[string]int{}
	var out []indicatorRow
	alerts := map[string]map[uuid.UUID]bool{}
	for _, m := range d.Matches {
		k := string(m.Type) + "\x00" + m.Value
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, indicatorRow{Type: string(m.Type), Value: m.Value})
			alerts[k] = map[uuid.UUID]bool{}
		}
		r := &out[i]
		if m.Role != "" && !slices.Contains(r.Roles, m.Role) {
			r.Roles = append(r.Roles, m.Role)
		}
		if !slices.Contains(r.Sources, m.Source) {
			r.Sources = append(r.Sources, m.Source)
		}
		r.FalsePositive = r.FalsePositive || m.FalsePositive
		alerts[k][m.AlertID] = true
		r.Alerts = len(alerts[k])
	}
	return out
}
