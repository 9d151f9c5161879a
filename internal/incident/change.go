package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Limits of an incident.
const (
	MaxTags       = 50
	MaxResponders = 50
	MaxTitle      = 300
	MaxText       = 20000
)

// NewIncident creates an incident.
type NewIncident struct {
	Title            string                `json:"title" minLength:"1" maxLength:"300"`
	Description      string                `json:"description,omitempty" maxLength:"20000"`
	Type             string                `json:"type,omitempty" maxLength:"64" doc:"Template type (phishing, malware, account_compromise, cloud_exposure, ransomware or an org's own): applies its severity, priority, tasks, tags and custom field defaults"`
	Severity         string                `json:"severity,omitempty" enum:"informational,low,medium,high,critical" doc:"Default: the template's, else the highest of the alerts', else medium"`
	Priority         Priority              `json:"priority,omitempty" enum:"p1,p2,p3,p4" doc:"Default: the template's, else derived from the severity"`
	Assignee         *uuid.UUID            `json:"assignee,omitempty" doc:"An org member"`
	Responders       []uuid.UUID           `json:"responders,omitempty" maxItems:"50" doc:"Org members"`
	Tags             []string              `json:"tags,omitempty" maxItems:"50"`
	CustomFields     map[string]FieldValue `json:"custom_fields,omitempty"`
	ManualTactics    []string              `json:"manual_tactics,omitempty" maxItems:"100"`
	ManualTechniques []string              `json:"manual_techniques,omitempty" maxItems:"100"`
	AlertIDs         []uuid.UUID           `json:"alert_ids,omitempty" maxItems:"500" doc:"Alerts to link (none may be in another incident)"`
}

// ChangeSet updates an incident. Nil fields stay unchanged.
type ChangeSet struct {
	Title            *string               `json:"title,omitempty" minLength:"1" maxLength:"300"`
	Description      *string               `json:"description,omitempty" maxLength:"20000"`
	Severity         *string               `json:"severity,omitempty" enum:"informational,low,medium,high,critical"`
	Priority         *Priority             `json:"priority,omitempty" enum:"p1,p2,p3,p4"`
	Status           *Status               `json:"status,omitempty" enum:"new,acknowledged,investigating,contained,resolved,closed" doc:"Only valid transitions: forward along the workflow, contained → investigating, resolved → closed, and reopen (resolved or closed → investigating)"`
	Disposition      *Disposition          `json:"disposition,omitempty" enum:"true_positive,benign_true_positive,false_positive,duplicate,other" doc:"Required when moving to resolved or closed (unless already set)"`
	DispositionNote  *string               `json:"disposition_note,omitempty" maxLength:"2000" doc:"Required with disposition other"`
	Assignee         *string               `json:"assignee,omitempty" doc:"User id of an org member; empty string unassigns"`
	Responders       *[]uuid.UUID          `json:"responders,omitempty" maxItems:"50" doc:"Replaces every responder"`
	Tags             *[]string             `json:"tags,omitempty" maxItems:"50" doc:"Replaces every tag"`
	AddTags          []string              `json:"add_tags,omitempty" maxItems:"50"`
	RemoveTags       []string              `json:"remove_tags,omitempty" maxItems:"50"`
	CustomFields     map[string]FieldValue `json:"custom_fields,omitempty" doc:"Merged into the incident's fields; null removes one"`
	ManualTactics    *[]string             `json:"manual_tactics,omitempty" maxItems:"100"`
	ManualTechniques *[]string             `json:"manual_techniques,omitempty" maxItems:"100"`
}

func (c *ChangeSet) empty() bool {
	return c.Title == nil && c.Description == nil && c.Severity == nil && c.Priority == nil && c.Status == nil &&
		c.Disposition == nil && c.DispositionNote == nil && c.Assignee == nil && c.Responders == nil && c.Tags == nil &&
		len(c.AddTags) == 0 && len(c.RemoveTags) == 0 && c.CustomFields == nil && c.ManualTactics == nil && c.ManualTechniques == nil
}

// validate checks what needs no database; prefix locates the change.
func (c *ChangeSet) validate(prefix string) error {
	var fields []apperr.FieldError
	text := func(name string, v *string, maxLen int, required bool) {
		if v == nil {
			return
		}
		switch {
		case required && strings.TrimSpace(*v) == "":
			fields = append(fields, apperr.Field(prefix+name, "must not be empty"))
		case len(*v) > maxLen:
			fields = append(fields, apperr.Field(prefix+name, fmt.Sprintf("at most %d bytes", maxLen)))
		case badText(*v) != "":
			fields = append(fields, apperr.Field(prefix+name, badText(*v)))
		}
	}
	text("title", c.Title, MaxTitle, true)
	text("description", c.Description, MaxText, false)
	text("disposition_note", c.DispositionNote, 2000, false)
	if c.Severity != nil {
		if _, ok := ParseSeverity(*c.Severity); !ok {
			fields = append(fields, apperr.Field(prefix+"severity", "one of "+strings.Join(SeverityNames, ", ")))
		}
	}
	if c.Priority != nil && !c.Priority.Valid() {
		fields = append(fields, apperr.Field(prefix+"priority", "one of p1, p2, p3, p4"))
	}
	if c.Status != nil && !c.Status.Valid() {
		fields = append(fields, apperr.Field(prefix+"status", "unknown status"))
	}
	if c.Disposition != nil && !c.Disposition.Valid() {
		fields = append(fields, apperr.Field(prefix+"disposition", "unknown disposition"))
	}
	if c.Assignee != nil && *c.Assignee != "" {
		if _, err := uuid.Parse(*c.Assignee); err != nil {
			fields = append(fields, apperr.Field(prefix+"assignee", "not a user id"))
		}
	}
	if c.Responders != nil && len(*c.Responders) > MaxResponders {
		fields = append(fields, apperr.Field(prefix+"responders", fmt.Sprintf("at most %d", MaxResponders)))
	}
	if c.Tags != nil {
		_, f := cleanTags(*c.Tags, prefix+"tags")
		fields = append(fields, f...)
	}
	_, f := cleanTags(c.AddTags, prefix+"add_tags")
	fields = append(fields, f...)
	_, f = cleanTags(c.RemoveTags, prefix+"remove_tags")
	fields = append(fields, f...)
	var tac, tech []string
	if c.ManualTactics != nil {
		tac = *c.ManualTactics
	}
	if c.ManualTechniques != nil {
		tech = *c.ManualTechniques
	}
	fields = append(fields, validateAttack(tac, tech, prefix)...)
	if len(fields) > 0 {
		return apperr.Validation("invalid change", fields...)
	}
	if c.empty() {
		return apperr.Validation("nothing to change", apperr.Field(strings.TrimSuffix(prefix, "."), "set at least one field"))
	}
	return nil
}

// logItem is one state change an update makes.
type logItem struct {
	kind, from, to string
	details        any
}

func idsString(ids []uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ",")
}

// apply makes c on r (validated) and returns the state changes; prefix
// locates the change in the request for errors.
func (s *Store) apply(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row, c *ChangeSet, now time.Time, prefix string) ([]logItem, error) {
	var items []logItem
	var fields []apperr.FieldError
	set := func(kind string, dst *string, v *string) {
		if v != nil && *v != *dst {
			items = append(items, logItem{kind: kind, from: *dst, to: *v})
			*dst = *v
		}
	}
	set("title", &r.Title, c.Title)
	if c.Description != nil && *c.Description != r.Description {
		r.Description = *c.Description
		items = append(items, logItem{kind: "description"})
	}
	if c.Severity != nil {
		sev, _ := ParseSeverity(*c.Severity)
		if sev != r.sev {
			items = append(items, logItem{kind: "severity", from: r.sev.String(), to: sev.String()})
			r.sev, r.Severity = sev, sev.String()
		}
	}
	if c.Priority != nil && *c.Priority != r.Priority {
		items = append(items, logItem{kind: "priority", from: string(r.Priority), to: string(*c.Priority)})
		r.Priority = *c.Priority
	}
	if c.Assignee != nil {
		var next *uuid.UUID
		if *c.Assignee != "" {
			u := uuid.MustParse(*c.Assignee)
			f, err := s.checkMembers(ctx, scope, []uuid.UUID{u}, func(int) string { return prefix + "assignee" })
			if err != nil {
				return nil, err
			}
			fields = append(fields, f...)
			next = &u
		}
		from, to := "", ""
		if r.Assignee != nil {
			from = r.Assignee.String()
		}
		if next != nil {
			to = next.String()
		}
		if from != to {
			items = append(items, logItem{kind: "assignee", from: from, to: to})
			r.Assignee = next
		}
	}
	if c.Responders != nil {
		next := slices.Clone(*c.Responders)
		slices.SortFunc(next, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		next = slices.Compact(next)
		f, err := s.checkMembers(ctx, scope, next, func(i int) string { return fmt.Sprintf("%sresponders[%d]", prefix, i) })
		if err != nil {
			return nil, err
		}
		fields = append(fields, f...)
		if idsString(next) != idsString(r.Responders) {
			items = append(items, logItem{kind: "responders", from: idsString(r.Responders), to: idsString(next)})
			r.Responders = next
		}
	}
	tags := slices.Clone(r.Tags)
	if c.Tags != nil {
		tags, _ = cleanTags(*c.Tags, "")
	}
	add, _ := cleanTags(c.AddTags, "")
	tags = append(tags, add...)
	remove, _ := cleanTags(c.RemoveTags, "")
	tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(remove, t) })
	slices.Sort(tags)
	tags = slices.Compact(tags)
	if len(tags) > MaxTags && len(tags) > len(r.Tags) {
		fields = append(fields, apperr.Field(prefix+"add_tags", fmt.Sprintf("the incident would have %d tags; at most %d", len(tags), MaxTags)))
	}
	if strings.Join(tags, "\x00") != strings.Join(r.Tags, "\x00") {
		items = append(items, logItem{kind: "tags", from: strings.Join(r.Tags, ","), to: strings.Join(tags, ",")})
		r.Tags = tags
	}
	if c.CustomFields != nil {
		defs, err := s.fieldDefs(ctx, tx, scope)
		if err != nil {
			return nil, err
		}
		next, err := applyFields(ctx, scope, defs, r.CustomFields, c.CustomFields, s.isMember, prefix+"custom_fields.", false)
		if err != nil {
			return nil, err
		}
		before, _ := json.Marshal(r.CustomFields)
		after, _ := json.Marshal(next)
		if string(before) != string(after) {
			items = append(items, logItem{kind: "custom_fields", details: map[string]json.RawMessage{"before": before, "after": after}})
			r.CustomFields = next
		}
	}
	if c.ManualTactics != nil || c.ManualTechniques != nil {
		tac, tech := r.ManualTactics, r.ManualTechniques
		if c.ManualTactics != nil {
			tac = union(*c.ManualTactics, nil)
		}
		if c.ManualTechniques != nil {
			tech = union(*c.ManualTechniques, nil)
		}
		if strings.Join(tac, ",") != strings.Join(r.ManualTactics, ",") || strings.Join(tech, ",") != strings.Join(r.ManualTechniques, ",") {
			items = append(items, logItem{kind: "attack", details: map[string][]string{"manual_tactics": tac, "manual_techniques": tech}})
			r.ManualTactics, r.ManualTechniques = tac, tech
		}
	}
	st, err := s.transition(r, c, now, prefix)
	if err != nil {
		return nil, err
	}
	items = append(items, st...)
	if len(fields) > 0 {
		return nil, apperr.Validation("invalid change", fields...)
	}
	if len(items) > 0 {
		r.UpdatedAt = now
	}
	return items, nil
}

// transition applies the status and disposition parts of c.
func (s *Store) transition(r *row, c *ChangeSet, now time.Time, prefix string) ([]logItem, error) {
	to := r.Status
	if c.Status != nil {
		to = *c.Status
	}
	if to != r.Status && !CanTransition(r.Status, to) {
		return nil, apperr.Validation("invalid transition", apperr.Field(prefix+"status",
			fmt.Sprintf("an incident cannot move from %s to %s", r.Status, to))).WithCode("invalid_transition")
	}
	disp, note := r.Disposition, r.DispositionNote
	if c.Disposition != nil {
		disp = *c.Disposition
		note = ""
	}
	if c.DispositionNote != nil {
		note = strings.TrimSpace(*c.DispositionNote)
	}
	reopen := !r.Status.Open() && to.Open()
	switch {
	case reopen && (c.Disposition != nil || c.DispositionNote != nil):
		return nil, apperr.Validation("invalid change", apperr.Field(prefix+"disposition", "a reopened incident has no disposition"))
	case reopen:
		disp, note = "", ""
	case to.Open() && (c.Disposition != nil || c.DispositionNote != nil):
		return nil, apperr.Validation("invalid change", apperr.Field(prefix+"disposition", "set a disposition when resolving or closing"))
	case !to.Open() && disp == "":
		return nil, apperr.Validation("disposition required", apperr.Field(prefix+"disposition",
			"resolving or closing needs a disposition: "+joinDispositions())).WithCode("disposition_required")
	case !to.Open() && disp == DispositionOther && note == "":
		return nil, apperr.Validation("disposition note required", apperr.Field(prefix+"disposition_note", "disposition other needs a note"))
	}
	var items []logItem
	if to != r.Status {
		kind := "status"
		if reopen {
			kind = "reopened"
		}
		items = append(items, logItem{kind: kind, from: string(r.Status), to: string(to)})
		if r.AcknowledgedAt == nil && r.Status == StatusNew {
			r.AcknowledgedAt = &now
		}
		switch {
		case reopen:
			r.ResolvedAt, r.ClosedAt = nil, nil
		case to == StatusResolved:
			r.ResolvedAt = &now
		case to == StatusClosed:
			if r.ResolvedAt == nil {
				r.ResolvedAt = &now
			}
			r.ClosedAt = &now
		}
		r.Status = to
	}
	if disp != r.Disposition || note != r.DispositionNote {
		items = append(items, logItem{kind: "disposition", from: string(r.Disposition), to: string(disp), details: map[string]string{"note": note}})
		r.Disposition, r.DispositionNote = disp, note
	}
	return items, nil
}

func joinDispositions() string {
	s := make([]string, len(Dispositions))
	for i, d := range Dispositions {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

func (s *Store) writeLog(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, now time.Time, items []logItem) error {
	for _, it := range items {
		if err := s.log(ctx, tx, scope, id, now, it.kind, it.from, it.to, it.details); err != nil {
			return err
		}
	}
	return nil
}

// Update applies c to one incident, logs and audits it, in one
// transaction.
func (s *Store) Update(ctx context.Context, scope tenant.Scope, id uuid.UUID, c ChangeSet) (*Incident, error) {
	if err := c.validate("body."); err != nil {
		return nil, err
	}
	var r row
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		now := s.now()
		items, err := s.apply(ctx, tx, scope, &r, &c, now, "body.")
		if err != nil || len(items) == 0 {
			return err
		}
		if err := s.save(ctx, tx, scope, &r); err != nil {
			return err
		}
		if err := s.writeLog(ctx, tx, scope, id, now, items); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.update", EventUpdated, id, struct {
			ChangeSet ChangeSet `json:"change"`
			Changes   []string  `json:"changed"`
			Status    Status    `json:"status"`
		}{c, kinds(items), r.Status})
	})
	if err != nil {
		return nil, err
	}
	return &r.Incident, nil
}

func kinds(items []logItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.kind
	}
	return out
}

// BulkUpdate applies c to every incident of ids in one transaction: all
// change or none (an unknown id or an invalid transition fails the whole
// request, naming the incident).
func (s *Store) BulkUpdate(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, c ChangeSet) (int, error) {
	if err := c.validate("body.change."); err != nil {
		return 0, err
	}
	ids = sortedIDs(ids)
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		now := s.now()
		for _, id := range ids {
			r, err := s.load(ctx, tx, scope, id)
			if apperr.Is(err, apperr.KindNotFound) {
				return apperr.Validation("unknown incident", apperr.Field("body.ids", "incident "+id.String()+" not found"))
			}
			if err != nil {
				return err
			}
			cc := c
			items, err := s.apply(ctx, tx, scope, &r, &cc, now, "body.change.")
			if err != nil {
				var ve *apperr.Error
				if errors.As(err, &ve) && ve.Kind == apperr.KindValidation {
					ve.Message = "incident " + id.String() + ": " + ve.Message
				}
				return err
			}
			if len(items) == 0 {
				continue
			}
			if err := s.save(ctx, tx, scope, &r); err != nil {
				return err
			}
			if err := s.writeLog(ctx, tx, scope, id, now, items); err != nil {
				return err
			}
			b, _ := json.Marshal(struct {
				Changes []string `json:"changed"`
				Status  Status   `json:"status"`
			}{kinds(items), r.Status})
			if err := s.emit(ctx, tx, scope, EventUpdated, id, b); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(struct {
			IDs       []uuid.UUID `json:"ids"`
			ChangeSet ChangeSet   `json:"change"`
		}{ids, c})
		return s.recordAudit(ctx, tx, scope, "incident.bulk_update", fmt.Sprintf("%d incidents", len(ids)), b)
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(ids)
}

// Create opens an incident, applying its template and linking its alerts.
func (s *Store) Create(ctx context.Context, scope tenant.Scope, in NewIncident) (*Incident, error) {
	var r row
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		r, err = s.create(ctx, tx, scope, in, "body.", Provenance{Via: "link"})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.create", EventCreated, r.ID, createdEvent(&r.Incident, in.AlertIDs))
	})
	if err != nil {
		return nil, err
	}
	return &r.Incident, nil
}

func createdEvent(in *Incident, alerts []uuid.UUID) any {
	return struct {
		Title    string      `json:"title"`
		Type     string      `json:"type,omitempty"`
		Severity string      `json:"severity"`
		Priority Priority    `json:"priority"`
		Alerts   []uuid.UUID `json:"alert_ids,omitempty"`
	}{in.Title, in.Type, in.Severity, in.Priority, alerts}
}

// create opens an incident inside tx; prefix locates in in the request.
func (s *Store) create(ctx context.Context, tx *db.Tx, scope tenant.Scope, in NewIncident, prefix string, via Provenance) (row, error) {
	var fields []apperr.FieldError
	title := strings.TrimSpace(in.Title)
	if title == "" || len(title) > MaxTitle || badText(title) != "" {
		fields = append(fields, apperr.Field(prefix+"title", fmt.Sprintf("a title is 1 to %d valid characters", MaxTitle)))
	}
	if len(in.Description) > MaxText || badText(in.Description) != "" {
		fields = append(fields, apperr.Field(prefix+"description", fmt.Sprintf("at most %d valid characters", MaxText)))
	}
	var tpl *Template
	if in.Type != "" {
		t, err := s.templateByType(ctx, tx, scope, in.Type)
		if apperr.Is(err, apperr.KindNotFound) {
			fields = append(fields, apperr.Field(prefix+"type", "no template of this type"))
		} else if err != nil {
			return row{}, err
		} else {
			tpl = &t
		}
	}
	sev := alert.SeverityMedium
	if tpl != nil {
		sev, _ = ParseSeverity(tpl.Severity)
	}
	if in.Severity != "" {
		v, ok := ParseSeverity(in.Severity)
		if !ok {
			fields = append(fields, apperr.Field(prefix+"severity", "one of "+strings.Join(SeverityNames, ", ")))
		}
		sev = v
	}
	prio := defaultPriority(sev)
	if tpl != nil && tpl.Priority != "" && in.Severity == "" {
		prio = tpl.Priority
	}
	if in.Priority != "" {
		if !in.Priority.Valid() {
			fields = append(fields, apperr.Field(prefix+"priority", "one of p1, p2, p3, p4"))
		}
		prio = in.Priority
	}
	tags, f := cleanTags(in.Tags, prefix+"tags")
	fields = append(fields, f...)
	fields = append(fields, validateAttack(in.ManualTactics, in.ManualTechniques, prefix)...)
	if len(in.Responders) > MaxResponders {
		fields = append(fields, apperr.Field(prefix+"responders", fmt.Sprintf("at most %d", MaxResponders)))
	}
	if len(fields) > 0 {
		return row{}, apperr.Validation("invalid incident", fields...)
	}
	if in.Assignee != nil {
		f, err := s.checkMembers(ctx, scope, []uuid.UUID{*in.Assignee}, func(int) string { return prefix + "assignee" })
		if err != nil {
			return row{}, err
		}
		fields = append(fields, f...)
	}
	f, err := s.checkMembers(ctx, scope, in.Responders, func(i int) string { return fmt.Sprintf("%sresponders[%d]", prefix, i) })
	if err != nil {
		return row{}, err
	}
	fields = append(fields, f...)
	defs, err := s.fieldDefs(ctx, tx, scope)
	if err != nil {
		return row{}, err
	}
	given := map[string]FieldValue{}
	if tpl != nil {
		tags = append(slices.Clone(tpl.Tags), tags...)
		for k, v := range tpl.CustomFields {
			given[k] = v
		}
	}
	for k, v := range in.CustomFields {
		given[k] = v
	}
	customs, err := applyFields(ctx, scope, defs, nil, given, s.isMember, prefix+"custom_fields.", true)
	if err != nil {
		var ve *apperr.Error
		if !errors.As(err, &ve) || ve.Kind != apperr.KindValidation {
			return row{}, err
		}
		fields = append(fields, ve.Fields...)
	}
	if len(fields) > 0 {
		return row{}, apperr.Validation("invalid incident", fields...)
	}
	now := s.now()
	slices.Sort(tags)
	r := row{sev: sev}
	r.Incident = Incident{
		ID: newID(), Title: title, Description: in.Description, Type: in.Type, Severity: sev.String(), Priority: prio,
		Status: StatusNew, Assignee: in.Assignee, Responders: sortedIDs(in.Responders), Tags: slices.Compact(tags),
		CustomFields: customs, ManualTactics: union(in.ManualTactics, nil), ManualTechniques: union(in.ManualTechniques, nil),
		CreatedBy: scope.Actor(), CreatedAt: now, UpdatedAt: now,
	}
	if err := s.insert(ctx, tx, scope, &r); err != nil {
		return row{}, err
	}
	if err := s.log(ctx, tx, scope, r.ID, now, "created", "", string(StatusNew), map[string]string{"via": via.Via, "type": in.Type}); err != nil {
		return row{}, err
	}
	if tpl != nil {
		for i, t := range tpl.Tasks {
			if _, err := s.insertTask(ctx, tx, scope, r.ID, TaskInput{Title: t.Title}, i+1, nil, now); err != nil {
				return row{}, err
			}
		}
	}
	if len(in.AlertIDs) > 0 {
		if err := s.link(ctx, tx, scope, &r, in.AlertIDs, via, prefix+"alert_ids", now); err != nil {
			return row{}, err
		}
		if in.Severity == "" && tpl == nil {
			// Without an explicit or template severity, the incident takes
			// its alerts' highest.
			if m := s.maxAlertSeverity(ctx, tx, scope, r.ID); m > r.sev {
				r.sev, r.Severity = m, m.String()
				if in.Priority == "" {
					r.Priority = defaultPriority(m)
				}
				if err := s.save(ctx, tx, scope, &r); err != nil {
					return row{}, err
				}
			}
		}
	}
	return r, nil
}

// recordAudit writes an audit entry with an explicit target id.
func (s *Store) recordAudit(ctx context.Context, tx *db.Tx, scope tenant.Scope, action, target string, details json.RawMessage) error {
	return auditRecord(ctx, tx, scope, action, "incident", target, details)
}
