package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// moveAlerts moves links from one incident to another, keeping each
// alert's earlier explanation (its grouping reference); only (when non-nil) limits it to those
// alerts. It returns the alerts moved.
func (s *Store) moveAlerts(ctx context.Context, tx *db.Tx, scope tenant.Scope, from, to uuid.UUID, via string, only []uuid.UUID) ([]uuid.UUID, error) {
	q := `SELECT alert_id, provenance FROM incident_alerts WHERE org_id = $1 AND incident_id = $2`
	args := []any{scope.Org().String(), from.String()}
	if only != nil {
		var in string
		in, args = inClause(args, strs(only))
		q += ` AND alert_id IN (` + in + `)`
	}
	rs, err := tx.QueryContext(ctx, q+` ORDER BY alert_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: read links: %w", err)
	}
	type link struct {
		id   uuid.UUID
		prov Provenance
	}
	var links []link
	for rs.Next() {
		var l link
		var p string
		if err := rs.Scan(&l.id, &p); err != nil {
			_ = rs.Close()
			return nil, fmt.Errorf("incident: scan link: %w", err)
		}
		if err := json.Unmarshal([]byte(p), &l.prov); err != nil {
			_ = rs.Close()
			return nil, fmt.Errorf("incident: decode provenance: %w", err)
		}
		links = append(links, l)
	}
	if err := errors.Join(rs.Err(), rs.Close()); err != nil {
		return nil, fmt.Errorf("incident: read links: %w", err)
	}
	moved := make([]uuid.UUID, 0, len(links))
	for _, l := range links {
		f := from
		prov, err := json.Marshal(Provenance{Via: via, From: &f, Matched: l.prov.Matched}) // the grouping_id column stays
		if err != nil {
			return nil, fmt.Errorf("incident: encode provenance: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_alerts SET incident_id = $3, provenance = $4 WHERE org_id = $1 AND alert_id = $2`,
			scope.Org().String(), l.id.String(), to.String(), string(prov)); err != nil {
			return nil, fmt.Errorf("incident: move alert: %w", err)
		}
		moved = append(moved, l.id)
	}
	return moved, nil
}

// MergeResult reports a merge.
type MergeResult struct {
	Survivor *Incident  `json:"survivor"`
	Merged   []MergedIn `json:"merged"`
}

// MergedIn is what one merged incident brought to the survivor.
type MergedIn struct {
	IncidentID uuid.UUID `json:"incident_id"`
	Alerts     int       `json:"alerts"`
	Tasks      int       `json:"tasks"`
	Notes      int       `json:"notes"`
}

// Merge folds sources into the survivor: their alerts, tasks and notes
// move over with provenance (nothing is copied), their state-change logs
// show on the survivor's timeline, tags, responders and manual ATT&CK
// labels join the survivor's, and each source is closed as a duplicate
// pointing at the survivor.
func (s *Store) Merge(ctx context.Context, scope tenant.Scope, survivor uuid.UUID, sources []uuid.UUID) (*MergeResult, error) {
	if len(sources) == 0 || len(sources) > 50 {
		return nil, apperr.Validation("invalid merge", apperr.Field("body.incident_ids", "name 1 to 50 incidents to merge"))
	}
	res := &MergeResult{}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		surv, err := s.load(ctx, tx, scope, survivor)
		if err != nil {
			return err
		}
		if surv.MergedInto != nil {
			return apperr.Conflict("incident was itself merged into " + surv.MergedInto.String()).WithCode("incident_merged")
		}
		now := s.now()
		var srcs []row
		var fields []apperr.FieldError
		seen := map[uuid.UUID]bool{}
		for i, id := range sources {
			loc := fmt.Sprintf("body.incident_ids[%d]", i)
			switch {
			case id == survivor:
				fields = append(fields, apperr.Field(loc, "an incident cannot be merged into itself"))
				continue
			case seen[id]:
				fields = append(fields, apperr.Field(loc, "named twice"))
				continue
			}
			seen[id] = true
			r, err := s.load(ctx, tx, scope, id)
			if apperr.Is(err, apperr.KindNotFound) {
				fields = append(fields, apperr.Field(loc, "incident "+id.String()+" not found"))
				continue
			}
			if err != nil {
				return err
			}
			if r.MergedInto != nil {
				return apperr.Conflict("incident " + id.String() + " was already merged into " + r.MergedInto.String()).WithCode("incident_merged")
			}
			srcs = append(srcs, r)
		}
		if len(fields) > 0 {
			return apperr.Validation("invalid merge", fields...)
		}
		var maxPos int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(position), 0) FROM incident_tasks WHERE org_id = $1 AND incident_id = $2`,
			scope.Org().String(), survivor.String()).Scan(&maxPos); err != nil {
			return fmt.Errorf("incident: task positions: %w", err)
		}
		for _, src := range srcs {
			in := MergedIn{IncidentID: src.ID}
			moved, err := s.moveAlerts(ctx, tx, scope, src.ID, survivor, "merge", nil)
			if err != nil {
				return err
			}
			in.Alerts = len(moved)
			org, sid, tid := scope.Org().String(), src.ID.String(), survivor.String()
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(position), 0) FROM incident_tasks WHERE org_id = $1 AND incident_id = $2`, org, sid).Scan(&n); err != nil {
				return fmt.Errorf("incident: task positions: %w", err)
			}
			t, err := tx.ExecContext(ctx, `UPDATE incident_tasks SET incident_id = $3, moved_from = $2, position = position + $4, updated_at = $5
WHERE org_id = $1 AND incident_id = $2`, org, sid, tid, maxPos, now)
			if err != nil {
				return fmt.Errorf("incident: move tasks: %w", err)
			}
			maxPos += n
			nt, _ := t.RowsAffected()
			nn, err := tx.ExecContext(ctx, `UPDATE incident_notes SET incident_id = $3, moved_from = $2 WHERE org_id = $1 AND incident_id = $2`, org, sid, tid)
			if err != nil {
				return fmt.Errorf("incident: move notes: %w", err)
			}
			notes, _ := nn.RowsAffected()
			in.Tasks, in.Notes = int(nt), int(notes)
			// Incidents merged into the source earlier now show on the survivor.
			if _, err := tx.ExecContext(ctx, `UPDATE incidents SET merged_into = $3 WHERE org_id = $1 AND merged_into = $2`, org, sid, tid); err != nil {
				return fmt.Errorf("incident: re-point merged: %w", err)
			}
			surv.Tags = union(surv.Tags, src.Tags)
			surv.Responders = sortedIDs(append(surv.Responders, src.Responders...))
			surv.ManualTactics = union(surv.ManualTactics, src.ManualTactics)
			surv.ManualTechniques = union(surv.ManualTechniques, src.ManualTechniques)
			for k, v := range src.CustomFields {
				if _, ok := surv.CustomFields[k]; !ok {
					surv.CustomFields[k] = v
				}
			}
			if src.sev > surv.sev {
				surv.sev, surv.Severity = src.sev, src.sev.String()
			}
			if err := s.closeAsDuplicate(ctx, tx, scope, &src, survivor, now); err != nil {
				return err
			}
			res.Merged = append(res.Merged, in)
		}
		if len(surv.Tags) > MaxTags {
			surv.Tags = surv.Tags[:MaxTags]
		}
		if len(surv.Responders) > MaxResponders {
			surv.Responders = surv.Responders[:MaxResponders]
		}
		if err := s.recompute(ctx, tx, scope, &surv); err != nil {
			return err
		}
		surv.UpdatedAt = now
		if err := s.save(ctx, tx, scope, &surv); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, survivor, now, "merged", "", fmt.Sprint(len(srcs)), map[string][]MergedIn{"merged": res.Merged}); err != nil {
			return err
		}
		res.Survivor = &surv.Incident
		return s.record(ctx, tx, scope, "incident.merge", EventMerged, survivor, res.Merged)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// closeAsDuplicate closes a merged source.
func (s *Store) closeAsDuplicate(ctx context.Context, tx *db.Tx, scope tenant.Scope, src *row, survivor uuid.UUID, now time.Time) error {
	from := src.Status
	src.MergedInto = &survivor
	if src.Status != StatusClosed {
		src.Status = StatusClosed
		if src.AcknowledgedAt == nil {
			src.AcknowledgedAt = &now
		}
		if src.ResolvedAt == nil {
			src.ResolvedAt = &now
		}
		src.ClosedAt = &now
	}
	src.Disposition, src.DispositionNote = DispositionDuplicate, "merged into "+survivor.String()
	src.AlertCount, src.alertTactics, src.alertTechnique = 0, nil, nil
	src.UpdatedAt = now
	if err := s.save(ctx, tx, scope, src); err != nil {
		return err
	}
	if from != StatusClosed {
		if err := s.log(ctx, tx, scope, src.ID, now, "status", string(from), string(StatusClosed), map[string]string{"via": "merge"}); err != nil {
			return err
		}
	}
	return s.log(ctx, tx, scope, src.ID, now, "merged_into", "", survivor.String(), nil)
}

// SplitInput moves chosen alerts of an incident to a new one.
type SplitInput struct {
	AlertIDs []uuid.UUID `json:"alert_ids" minItems:"1" maxItems:"500"`
	Title    string      `json:"title,omitempty" maxLength:"300" doc:"Default: \"Split from: \" and the incident's title"`
}

// Split moves alerts of an incident to a new incident with the same
// severity, priority and type.
func (s *Store) Split(ctx context.Context, scope tenant.Scope, id uuid.UUID, in SplitInput) (*Incident, error) {
	var nr row
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		orig, err := s.load(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if len(in.AlertIDs) == 0 || len(in.AlertIDs) > MaxLinkAlerts {
			return apperr.Validation("invalid split", apperr.Field("body.alert_ids", fmt.Sprintf("name 1 to %d alerts", MaxLinkAlerts)))
		}
		owners, err := s.owners(ctx, tx, scope, in.AlertIDs)
		if err != nil {
			return err
		}
		var fields []apperr.FieldError
		for i, a := range in.AlertIDs {
			if owners[a] != id {
				fields = append(fields, apperr.Field(fmt.Sprintf("body.alert_ids[%d]", i), "alert "+a.String()+" is not in this incident"))
			}
		}
		if len(fields) > 0 {
			return apperr.Validation("invalid split", fields...)
		}
		title := strings.TrimSpace(in.Title)
		if title == "" {
			title = string([]rune("Split from: " + orig.Title)[:min(MaxTitle, len([]rune("Split from: "+orig.Title)))])
		}
		nr, err = s.create(ctx, tx, scope, NewIncident{Title: title, Severity: orig.Severity, Priority: orig.Priority,
			Assignee: orig.Assignee, Tags: orig.Tags}, "body.", Provenance{Via: "split", From: &orig.ID})
		if err != nil {
			return err
		}
		now := s.now()
		moved, err := s.moveAlerts(ctx, tx, scope, id, nr.ID, "split", sortedIDs(in.AlertIDs))
		if err != nil {
			return err
		}
		nr.Type = orig.Type
		for _, r := range []*row{&orig, &nr} {
			if err := s.recompute(ctx, tx, scope, r); err != nil {
				return err
			}
			r.UpdatedAt = now
			if err := s.save(ctx, tx, scope, r); err != nil {
				return err
			}
		}
		if err := s.log(ctx, tx, scope, id, now, "split", "", nr.ID.String(), map[string][]uuid.UUID{"alert_ids": moved}); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, nr.ID, now, "split_from", "", id.String(), map[string][]uuid.UUID{"alert_ids": moved}); err != nil {
			return err
		}
		if err := s.record(ctx, tx, scope, "incident.split", EventSplit, id, map[string]any{"new_incident": nr.ID, "alert_ids": moved}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.create", EventCreated, nr.ID, createdEvent(&nr.Incident, moved))
	})
	if err != nil {
		return nil, err
	}
	return &nr.Incident, nil
}
