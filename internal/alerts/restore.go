package alerts

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
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MaxRestore bounds one restore: as many alerts as one bulk change by
// filter may change.
const MaxRestore = MaxMatching

// Prior is an alert's assignee and tags as they were before a bulk
// change: the bulk operations return one per changed alert so the UI can
// undo exactly that change (RestoreAlerts).
type Prior struct {
	ID       uuid.UUID `json:"id"`
	Assignee string    `json:"assignee" doc:"User id, empty when the alert was unassigned"`
	Tags     []string  `json:"tags"`
}

func priorOf(a alert.Alert) Prior {
	p := Prior{ID: a.ID, Tags: slices.Clone(a.Tags)}
	if a.Assignee != nil {
		p.Assignee = a.Assignee.String()
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	return p
}

// RestoreItem sets one alert's assignee and/or its whole tag set back.
type RestoreItem struct {
	ID       uuid.UUID `json:"id"`
	Assignee *string   `json:"assignee,omitempty" doc:"User id to restore; empty string unassigns; absent leaves the assignee"`
	Tags     *[]string `json:"tags,omitempty" maxItems:"50" doc:"Tag set to restore (replaces every tag); absent leaves the tags"`
}

// RestoreAlerts puts each alert's assignee and tags back to the given
// values (an undo of a bulk change, from its prior states) in one
// transaction: all or none. Each alert gets its activity entry and
// alert.updated.v1 event; one audit entry records the restore.
func (s *Store) RestoreAlerts(ctx context.Context, scope tenant.Scope, items []RestoreItem) (int, error) {
	if len(items) == 0 || len(items) > MaxRestore {
		return 0, apperr.Validation("invalid restore", apperr.Field("body.items", fmt.Sprintf("give 1 to %d alerts", MaxRestore)))
	}
	changes := make([]AlertChange, len(items))
	seen := make(map[uuid.UUID]bool, len(items))
	for i, it := range items {
		prefix := fmt.Sprintf("body.items[%d].", i)
		if seen[it.ID] {
			return 0, apperr.Validation("invalid restore", apperr.Field(prefix+"id", "alert listed twice"))
		}
		seen[it.ID] = true
		changes[i] = AlertChange{Assignee: it.Assignee, Tags: it.Tags}
		if err := changes[i].Validate(prefix); err != nil {
			return 0, err
		}
	}
	// Lock order as the bulk changes: by id.
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(items[a].ID.String(), items[b].ID.String()) })
	now := time.Now().UTC()
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		checked := map[string]bool{}
		for _, i := range order {
			c := &changes[i]
			if c.Assignee != nil && !checked[*c.Assignee] {
				if err := s.checkAssignee(ctx, scope, c, fmt.Sprintf("body.items[%d].assignee", i)); err != nil {
					return err
				}
				checked[*c.Assignee] = true
			}
			a, err := s.update(ctx, tx, scope, items[i].ID, c, now, fmt.Sprintf("body.items[%d].", i))
			if apperr.Is(err, apperr.KindNotFound) {
				return apperr.Validation("unknown alert", apperr.Field(fmt.Sprintf("body.items[%d].id", i), "alert "+items[i].ID.String()+" not found"))
			}
			if err != nil {
				return err
			}
			if _, err := events.Append(ctx, tx, scope, events.AlertUpdated, events.Subject("alert", a.ID), updatedEvent(a, c)); err != nil {
				return err
			}
		}
		details, _ := json.Marshal(struct {
			Items []RestoreItem `json:"items"`
		}{items})
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "alert.bulk_restore",
			TargetType: "alert", TargetID: fmt.Sprintf("%d alerts", len(items)), Details: details})
	})
	if err != nil {
		return 0, err
	}
	return len(items), nil
}
