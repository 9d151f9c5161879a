package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// TemplateTask is a task a template adds to a new incident.
type TemplateTask struct {
	Title string `json:"title" minLength:"1" maxLength:"300"`
}

// Template is an incident type's defaults: severity, priority, tasks,
// tags and custom field values.
type Template struct {
	// ID is set for an org's own template or its edit of a shipped one.
	ID           *uuid.UUID            `json:"id,omitempty"`
	Type         string                `json:"type"`
	Name         string                `json:"name"`
	Description  string                `json:"description"`
	Severity     string                `json:"severity" enum:"informational,low,medium,high,critical"`
	Priority     Priority              `json:"priority" enum:"p1,p2,p3,p4"`
	Tasks        []TemplateTask        `json:"tasks"`
	CustomFields map[string]FieldValue `json:"custom_fields"`
	Tags         []string              `json:"tags"`
	Shipped      bool                  `json:"shipped" doc:"The type ships with SecureNexus (deleting the org's edit restores the shipped one)"`
	CreatedAt    *time.Time            `json:"created_at,omitempty"`
	UpdatedAt    *time.Time            `json:"updated_at,omitempty"`
}

// TemplateInput creates an org template (or the org's edit of a shipped
// type, by naming it).
type TemplateInput struct {
	Type         string                `json:"type" minLength:"1" maxLength:"64" pattern:"^[a-z0-9][a-z0-9_-]*$"`
	Name         string                `json:"name" minLength:"1" maxLength:"100"`
	Description  string                `json:"description,omitempty" maxLength:"2000"`
	Severity     string                `json:"severity" enum:"informational,low,medium,high,critical"`
	Priority     Priority              `json:"priority,omitempty" enum:"p1,p2,p3,p4" doc:"Default: derived from the severity"`
	Tasks        []TemplateTask        `json:"tasks,omitempty" maxItems:"50"`
	CustomFields map[string]FieldValue `json:"custom_fields,omitempty"`
	Tags         []string              `json:"tags,omitempty" maxItems:"50"`
}

// TemplateChange updates an org template; nil fields stay unchanged.
type TemplateChange struct {
	Name         *string                `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Description  *string                `json:"description,omitempty" maxLength:"2000"`
	Severity     *string                `json:"severity,omitempty" enum:"informational,low,medium,high,critical"`
	Priority     *Priority              `json:"priority,omitempty" enum:"p1,p2,p3,p4"`
	Tasks        *[]TemplateTask        `json:"tasks,omitempty" maxItems:"50"`
	CustomFields *map[string]FieldValue `json:"custom_fields,omitempty" doc:"Replaces every default value"`
	Tags         *[]string              `json:"tags,omitempty" maxItems:"50"`
}

func tasks(titles ...string) []TemplateTask {
	out := make([]TemplateTask, len(titles))
	for i, t := range titles {
		out[i] = TemplateTask{Title: t}
	}
	return out
}

// Shipped lists the templates SecureNexus ships, by type.
var Shipped = []Template{
	{Type: "phishing", Name: "Phishing", Severity: "medium", Priority: PriorityP3, Tags: []string{"phishing"},
		Description: "A reported or detected phishing e-mail.",
		Tasks: tasks("Collect the message, headers and attachments", "Identify every recipient and who clicked or replied",
			"Block sender, URLs and attachment hashes", "Purge the message from mailboxes", "Reset credentials of users who entered them")},
	{Type: "malware", Name: "Malware on endpoint", Severity: "high", Priority: PriorityP2, Tags: []string{"malware"},
		Description: "Malicious code detected or executed on a host.",
		Tasks: tasks("Isolate the host", "Acquire memory and disk evidence", "Identify the initial vector and persistence",
			"Search the fleet for the same hashes and behaviour", "Remove the malware or reimage", "Return the host to service")},
	{Type: "account_compromise", Name: "Account compromise", Severity: "high", Priority: PriorityP2, Tags: []string{"identity"},
		Description: "An account used by someone other than its owner.",
		Tasks: tasks("Disable the account or revoke its sessions and tokens", "Reset credentials and re-enrol MFA",
			"Review sign-ins and actions since the first suspicious one", "Check mailbox rules, OAuth grants and API keys", "Confirm with the owner")},
	{Type: "cloud_exposure", Name: "Cloud exposure", Severity: "high", Priority: PriorityP2, Tags: []string{"cloud"},
		Description: "A cloud resource or credential exposed to the internet or to the wrong principals.",
		Tasks: tasks("Restrict the exposed resource", "Rotate exposed keys and secrets", "Review access logs for use during the exposure",
			"Find the change that exposed it", "Add a guardrail (policy, SCP, config rule)")},
	{Type: "ransomware", Name: "Ransomware", Severity: "critical", Priority: PriorityP1, Tags: []string{"ransomware"},
		Description: "Encryption or extortion activity.",
		Tasks: tasks("Isolate affected hosts and segments", "Disable compromised accounts", "Preserve evidence and the ransom note",
			"Determine the scope of encrypted and exfiltrated data", "Notify legal, management and, where required, authorities",
			"Restore from known-good backups", "Hunt for the initial access and remaining footholds")},
}

func shipped(typ string) (Template, bool) {
	for _, t := range Shipped {
		if t.Type == typ {
			t.Shipped = true
			t.CustomFields = map[string]FieldValue{}
			return t, true
		}
	}
	return Template{}, false
}

var templateTypeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

const templateCols = `id, type, name, description, severity_id, priority, tasks, custom_fields, tags, created_at, updated_at`

func scanTemplate(sc scanner) (Template, error) {
	var t Template
	var id uuid.UUID
	var sev int
	var tasksJSON, fields, tags string
	var created, updated time.Time
	if err := sc.Scan(&id, &t.Type, &t.Name, &t.Description, &sev, &t.Priority, &tasksJSON, &fields, &tags, &created, &updated); err != nil {
		return t, fmt.Errorf("incident: scan template: %w", err)
	}
	if err := errors.Join(json.Unmarshal([]byte(tasksJSON), &t.Tasks), json.Unmarshal([]byte(fields), &t.CustomFields),
		json.Unmarshal([]byte(tags), &t.Tags)); err != nil {
		return t, fmt.Errorf("incident: decode template: %w", err)
	}
	created, updated = created.UTC(), updated.UTC()
	t.ID, t.CreatedAt, t.UpdatedAt = &id, &created, &updated
	t.Severity = severityName(sev)
	_, t.Shipped = shipped(t.Type)
	t.Tasks, t.Tags = nonNil(t.Tasks), nonNil(t.Tags)
	if t.CustomFields == nil {
		t.CustomFields = map[string]FieldValue{}
	}
	return t, nil
}

func severityName(id int) string {
	for _, n := range SeverityNames {
		if s, _ := ParseSeverity(n); int(s) == id {
			return n
		}
	}
	return "medium"
}

// templateByType returns the org's template of a type, else the shipped one.
func (s *Store) templateByType(ctx context.Context, tx *db.Tx, scope tenant.Scope, typ string) (Template, error) {
	t, err := scanTemplate(tx.QueryRowContext(ctx, `SELECT `+templateCols+` FROM incident_templates WHERE org_id = $1 AND type = $2`, scope.Org().String(), typ))
	if errors.Is(err, sql.ErrNoRows) {
		if sh, ok := shipped(typ); ok {
			return sh, nil
		}
		return t, apperr.NotFound("template")
	}
	return t, err
}

// Templates lists the org's templates: its own, its edits of shipped
// ones, and the shipped ones it did not edit, by type.
func (s *Store) Templates(ctx context.Context, scope tenant.Scope) ([]Template, error) {
	var out []Template
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT `+templateCols+` FROM incident_templates WHERE org_id = $1 ORDER BY type`, scope.Org().String())
		if err != nil {
			return fmt.Errorf("incident: list templates: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			t, err := scanTemplate(rs)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, sh := range Shipped {
		if !slices.ContainsFunc(out, func(t Template) bool { return t.Type == sh.Type }) {
			t, _ := shipped(sh.Type)
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b Template) int { return strings.Compare(a.Type, b.Type) })
	return out, nil
}

func (s *Store) loadTemplate(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (Template, error) {
	t, err := scanTemplate(tx.QueryRowContext(ctx, `SELECT `+templateCols+` FROM incident_templates WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFound("template")
	}
	return t, err
}

// Template returns one org template by id.
func (s *Store) Template(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Template, error) {
	var t Template
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		t, err = s.loadTemplate(ctx, tx, scope, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// checkTemplate validates t (complete) inside tx.
func (s *Store) checkTemplate(ctx context.Context, tx *db.Tx, scope tenant.Scope, t *Template) error {
	var fields []apperr.FieldError
	if !templateTypeRe.MatchString(t.Type) {
		fields = append(fields, apperr.Field("body.type", "lower-case letters, digits, _ and -, at most 64"))
	}
	if strings.TrimSpace(t.Name) == "" || len(t.Name) > 100 || badText(t.Name) != "" {
		fields = append(fields, apperr.Field("body.name", "a name is 1 to 100 valid characters"))
	}
	if len(t.Description) > 2000 || badText(t.Description) != "" {
		fields = append(fields, apperr.Field("body.description", "at most 2000 valid characters"))
	}
	if _, ok := ParseSeverity(t.Severity); !ok {
		fields = append(fields, apperr.Field("body.severity", "one of "+strings.Join(SeverityNames, ", ")))
	}
	if t.Priority != "" && !t.Priority.Valid() {
		fields = append(fields, apperr.Field("body.priority", "one of p1, p2, p3, p4"))
	}
	if len(t.Tasks) > 50 {
		fields = append(fields, apperr.Field("body.tasks", "at most 50 tasks"))
	}
	for i, task := range t.Tasks {
		if tt := strings.TrimSpace(task.Title); tt == "" || len(tt) > MaxTitle || badText(tt) != "" {
			fields = append(fields, apperr.Field(fmt.Sprintf("body.tasks[%d].title", i), "a title is 1 to 300 valid characters"))
		}
	}
	tags, f := cleanTags(t.Tags, "body.tags")
	fields = append(fields, f...)
	if len(tags) > MaxTags {
		fields = append(fields, apperr.Field("body.tags", fmt.Sprintf("at most %d", MaxTags)))
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid template", fields...)
	}
	defs, err := s.fieldDefs(ctx, tx, scope)
	if err != nil {
		return err
	}
	// Defaults are checked as values, not for completeness: an incident
	// may still fill required fields itself.
	loose := slices.Clone(defs)
	for i := range loose {
		loose[i].Required = false
	}
	cf, err := applyFields(ctx, scope, loose, nil, t.CustomFields, s.isMember, "body.custom_fields.", false)
	if err != nil {
		return err
	}
	slices.Sort(tags)
	t.Tags, t.CustomFields = slices.Compact(tags), cf
	if t.Priority == "" {
		sev, _ := ParseSeverity(t.Severity)
		t.Priority = defaultPriority(sev)
	}
	t.Tasks = nonNil(t.Tasks)
	return nil
}

func (s *Store) writeTemplate(ctx context.Context, tx *db.Tx, scope tenant.Scope, t *Template, insert bool) error {
	sev, _ := ParseSeverity(t.Severity)
	fields, err := json.Marshal(t.CustomFields)
	if err != nil {
		return fmt.Errorf("incident: encode template fields: %w", err)
	}
	q := `UPDATE incident_templates SET type = $3, name = $4, description = $5, severity_id = $6, priority = $7, tasks = $8,
 custom_fields = $9, tags = $10, created_at = $11, updated_at = $12 WHERE org_id = $1 AND id = $2`
	if insert {
		q = `INSERT INTO incident_templates (org_id, id, type, name, description, severity_id, priority, tasks, custom_fields, tags, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	}
	_, err = tx.ExecContext(ctx, q, scope.Org().String(), t.ID.String(), t.Type, t.Name, t.Description, int(sev), string(t.Priority),
		jsonArg(t.Tasks), string(fields), jsonArg(t.Tags), *t.CreatedAt, *t.UpdatedAt)
	if err != nil && db.IsUniqueViolation(err) {
		return apperr.Conflict("the org already has a template of type " + t.Type + ": edit that one").WithCode("template_exists")
	}
	if err != nil {
		return fmt.Errorf("incident: write template: %w", err)
	}
	return nil
}

// CreateTemplate adds an org template; naming a shipped type makes the
// org's edit of it.
func (s *Store) CreateTemplate(ctx context.Context, scope tenant.Scope, in TemplateInput) (*Template, error) {
	now := s.now()
	id := newID()
	t := Template{ID: &id, Type: in.Type, Name: strings.TrimSpace(in.Name), Description: in.Description, Severity: in.Severity,
		Priority: in.Priority, Tasks: in.Tasks, CustomFields: in.CustomFields, Tags: in.Tags, CreatedAt: &now, UpdatedAt: &now}
	_, t.Shipped = shipped(t.Type)
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_templates WHERE org_id = $1`, scope.Org().String()).Scan(&n); err != nil {
			return fmt.Errorf("incident: count templates: %w", err)
		}
		if n >= 200 {
			return apperr.Conflict("the org has 200 templates, the most allowed").WithCode("too_many_templates")
		}
		if err := s.checkTemplate(ctx, tx, scope, &t); err != nil {
			return err
		}
		if err := s.writeTemplate(ctx, tx, scope, &t, true); err != nil {
			return err
		}
		return auditRecord(ctx, tx, scope, "incident.template.create", "incident_template", id.String(), mustJSON(map[string]string{"type": t.Type}))
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// UpdateTemplate changes an org template.
func (s *Store) UpdateTemplate(ctx context.Context, scope tenant.Scope, id uuid.UUID, c TemplateChange) (*Template, error) {
	var t Template
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if t, err = s.loadTemplate(ctx, tx, scope, id); err != nil {
			return err
		}
		if c.Name != nil {
			t.Name = strings.TrimSpace(*c.Name)
		}
		if c.Description != nil {
			t.Description = *c.Description
		}
		if c.Severity != nil {
			t.Severity = *c.Severity
		}
		if c.Priority != nil {
			t.Priority = *c.Priority
		}
		if c.Tasks != nil {
			t.Tasks = *c.Tasks
		}
		if c.CustomFields != nil {
			t.CustomFields = *c.CustomFields
		}
		if c.Tags != nil {
			t.Tags = *c.Tags
		}
		now := s.now()
		t.UpdatedAt = &now
		if err := s.checkTemplate(ctx, tx, scope, &t); err != nil {
			return err
		}
		if err := s.writeTemplate(ctx, tx, scope, &t, false); err != nil {
			return err
		}
		return auditRecord(ctx, tx, scope, "incident.template.update", "incident_template", id.String(), mustJSON(c))
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteTemplate removes an org template (a shipped type reverts to the
// shipped defaults).
func (s *Store) DeleteTemplate(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		t, err := s.loadTemplate(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_templates WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("incident: delete template: %w", err)
		}
		return auditRecord(ctx, tx, scope, "incident.template.delete", "incident_template", id.String(), mustJSON(map[string]string{"type": t.Type}))
	})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}
