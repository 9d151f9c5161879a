package alerts

import (
	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/platform/events"
)

// fields names what c changes, for alert.updated.v1 and
// alert.bulk_updated.v1.
func (c *AlertChange) fields() []string {
	out := []string{}
	if c.Status != nil {
		out = append(out, "status")
	}
	if c.Assignee != nil {
		out = append(out, "assignee")
	}
	if c.Tags != nil || len(c.AddTags) > 0 || len(c.RemoveTags) > 0 {
		out = append(out, "tags")
	}
	return out
}

func updatedEvent(a alert.Alert, c *AlertChange) events.AlertUpdatedV1 {
	return events.AlertUpdatedV1{AlertID: a.ID, Fields: c.fields(), Status: string(a.Status)}
}
