package incident

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// FieldKind is the type of an org-defined custom field.
type FieldKind string

// Custom field kinds.
const (
	FieldText        FieldKind = "text"
	FieldNumber      FieldKind = "number"
	FieldSelect      FieldKind = "select"
	FieldMultiSelect FieldKind = "multi_select"
	FieldDate        FieldKind = "date"
	FieldUser        FieldKind = "user"
)

// FieldKinds lists every kind.
var FieldKinds = []FieldKind{FieldText, FieldNumber, FieldSelect, FieldMultiSelect, FieldDate, FieldUser}

// FieldValue is a custom field's value as JSON: a string (text, select,
// date as YYYY-MM-DD, user id), a number, or an array of strings
// (multi_select). JSON null in a change removes the field.
type FieldValue = json.RawMessage

// Limits of custom fields.
const (
	MaxFieldDefs    = 100
	MaxFieldOptions = 200
	MaxFieldText    = 4000
)

// FieldDef is an org's custom field definition.
type FieldDef struct {
	ID        uuid.UUID `json:"id"`
	Key       string    `json:"key" doc:"Stable key under custom_fields"`
	Label     string    `json:"label"`
	Kind      FieldKind `json:"kind" enum:"text,number,select,multi_select,date,user"`
	Options   []string  `json:"options" doc:"Allowed values of select and multi_select fields"`
	Required  bool      `json:"required" doc:"Every new incident must set it, and no change may remove it"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FieldDefInput creates a field definition.
type FieldDefInput struct {
	Key      string    `json:"key" minLength:"1" maxLength:"40" pattern:"^[a-z][a-z0-9_]*$"`
	Label    string    `json:"label" minLength:"1" maxLength:"100"`
	Kind     FieldKind `json:"kind" enum:"text,number,select,multi_select,date,user"`
	Options  []string  `json:"options,omitempty" maxItems:"200"`
	Required bool      `json:"required,omitempty"`
}

// FieldDefChange updates a field definition; key and kind never change.
type FieldDefChange struct {
	Label    *string   `json:"label,omitempty" minLength:"1" maxLength:"100"`
	Options  *[]string `json:"options,omitempty" maxItems:"200"`
	Required *bool     `json:"required,omitempty"`
}

var fieldKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// badText says why s cannot be stored as text ("" when it can):
// PostgreSQL text and jsonb hold neither NUL nor invalid UTF-8.
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character"
	}
	return ""
}

func validateOptions(kind FieldKind, opts []string, loc string) []apperr.FieldError {
	var out []apperr.FieldError
	needs := kind == FieldSelect || kind == FieldMultiSelect
	switch {
	case needs && len(opts) == 0:
		out = append(out, apperr.Field(loc, "a select field needs at least one option"))
	case !needs && len(opts) > 0:
		out = append(out, apperr.Field(loc, "only select and multi_select fields have options"))
	case len(opts) > MaxFieldOptions:
		out = append(out, apperr.Field(loc, fmt.Sprintf("at most %d options", MaxFieldOptions)))
	}
	seen := map[string]bool{}
	for i, o := range opts {
		l := fmt.Sprintf("%s[%d]", loc, i)
		switch {
		case strings.TrimSpace(o) == "" || len(o) > 100:
			out = append(out, apperr.Field(l, "options are 1 to 100 characters"))
		case badText(o) != "":
			out = append(out, apperr.Field(l, badText(o)))
		case seen[o]:
			out = append(out, apperr.Field(l, "duplicate option "+o))
		}
		seen[o] = true
	}
	return out
}

func (in *FieldDefInput) validate() error {
	var fields []apperr.FieldError
	if !fieldKeyRe.MatchString(in.Key) {
		fields = append(fields, apperr.Field("body.key", "lower-case letters, digits and _, starting with a letter, at most 40"))
	}
	if strings.TrimSpace(in.Label) == "" || badText(in.Label) != "" {
		fields = append(fields, apperr.Field("body.label", "a label is 1 to 100 printable characters"))
	}
	if !slices.Contains(FieldKinds, in.Kind) {
		fields = append(fields, apperr.Field("body.kind", "unknown kind"))
	} else {
		fields = append(fields, validateOptions(in.Kind, in.Options, "body.options")...)
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid field definition", fields...)
	}
	return nil
}

// memberCheck reports whether a user is a member of the scope's org.
type memberCheck func(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error)

// validateValue checks one value against its definition; loc names it.
func validateValue(ctx context.Context, scope tenant.Scope, def FieldDef, v FieldValue, isMember memberCheck, loc string) (*apperr.FieldError, error) {
	bad := func(msg string) (*apperr.FieldError, error) {
		f := apperr.Field(loc, msg)
		return &f, nil
	}
	switch def.Kind {
	case FieldText:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return bad("a text field takes a string")
		}
		if utf8.RuneCountInString(s) > MaxFieldText || badText(s) != "" {
			return bad(fmt.Sprintf("text of at most %d valid characters", MaxFieldText))
		}
	case FieldNumber:
		var f float64
		if json.Unmarshal(v, &f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("a number field takes a number")
		}
	case FieldSelect:
		var s string
		if json.Unmarshal(v, &s) != nil || !slices.Contains(def.Options, s) {
			return bad("one of: " + strings.Join(def.Options, ", "))
		}
	case FieldMultiSelect:
		var ss []string
		if json.Unmarshal(v, &ss) != nil {
			return bad("a multi_select field takes an array of strings")
		}
		for i, s := range ss {
			if !slices.Contains(def.Options, s) {
				return bad(fmt.Sprintf("item %d: one of: %s", i, strings.Join(def.Options, ", ")))
			}
			if slices.Index(ss, s) != i {
				return bad(fmt.Sprintf("item %d repeats %s", i, s))
			}
		}
	case FieldDate:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return bad("a date field takes a YYYY-MM-DD string")
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return bad("a date field takes a YYYY-MM-DD string")
		}
	case FieldUser:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return bad("a user field takes a user id")
		}
		u, err := uuid.Parse(s)
		if err != nil {
			return bad("a user field takes a user id")
		}
		ok, err := isMember(ctx, scope, u)
		if err != nil {
			return nil, fmt.Errorf("incident: check field member: %w", err)
		}
		if !ok {
			return bad("not a member of this organization")
		}
	}
	return nil, nil
}

// applyFields merges change into current (null removes a key) and checks
// the result against defs: unknown keys, wrong types and missing required
// fields are named under prefix ("body.custom_fields.").
func applyFields(ctx context.Context, scope tenant.Scope, defs []FieldDef, current, change map[string]FieldValue, isMember memberCheck, prefix string, creating bool) (map[string]FieldValue, error) {
	byKey := map[string]FieldDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	out := map[string]FieldValue{}
	for k, v := range current {
		if _, ok := byKey[k]; ok {
			out[k] = v
		}
	}
	var fields []apperr.FieldError
	keys := make([]string, 0, len(change))
	for k := range change {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := change[k]
		def, ok := byKey[k]
		if !ok {
			fields = append(fields, apperr.Field(prefix+k, "no custom field with this key is defined"))
			continue
		}
		if len(v) == 0 || string(v) == "null" {
			delete(out, k)
			continue
		}
		fe, err := validateValue(ctx, scope, def, v, isMember, prefix+k)
		if err != nil {
			return nil, err
		}
		if fe != nil {
			fields = append(fields, *fe)
			continue
		}
		out[k] = compactJSON(v)
	}
	for _, d := range defs {
		if !d.Required {
			continue
		}
		_, had := current[d.Key]
		if _, has := out[d.Key]; !has && (creating || had) {
			fields = append(fields, apperr.Field(prefix+d.Key, "required field"))
		}
	}
	if len(fields) > 0 {
		return nil, apperr.Validation("invalid custom fields", fields...)
	}
	return out, nil
}

func compactJSON(v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}

const fieldCols = `id, key, label, kind, options, required, created_at, updated_at`

func scanFieldDef(sc scanner) (FieldDef, error) {
	var d FieldDef
	var opts string
	if err := sc.Scan(&d.ID, &d.Key, &d.Label, &d.Kind, &opts, &d.Required, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return d, fmt.Errorf("incident: scan field: %w", err)
	}
	if err := json.Unmarshal([]byte(opts), &d.Options); err != nil {
		return d, fmt.Errorf("incident: decode options: %w", err)
	}
	d.Options = nonNil(d.Options)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// fieldDefs returns the org's custom field definitions by key.
func (s *Store) fieldDefs(ctx context.Context, tx *db.Tx, scope tenant.Scope) ([]FieldDef, error) {
	rs, err := tx.QueryContext(ctx, `SELECT `+fieldCols+` FROM incident_field_defs WHERE org_id = $1 ORDER BY key`, scope.Org().String())
	if err != nil {
		return nil, fmt.Errorf("incident: list fields: %w", err)
	}
	defer func() { _ = rs.Close() }()
	out := []FieldDef{}
	for rs.Next() {
		d, err := scanFieldDef(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rs.Err()
}

// FieldDefs lists the org's custom field definitions by key.
func (s *Store) FieldDefs(ctx context.Context, scope tenant.Scope) ([]FieldDef, error) {
	var out []FieldDef
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = s.fieldDefs(ctx, tx, scope)
		return err
	})
	return out, err
}

func (s *Store) loadFieldDef(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (FieldDef, error) {
	d, err := scanFieldDef(tx.QueryRowContext(ctx, `SELECT `+fieldCols+` FROM incident_field_defs WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.NotFound("custom field")
	}
	return d, err
}

// FieldDef returns one custom field definition.
func (s *Store) FieldDef(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*FieldDef, error) {
	var d FieldDef
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		d, err = s.loadFieldDef(ctx, tx, scope, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateFieldDef defines a custom field.
func (s *Store) CreateFieldDef(ctx context.Context, scope tenant.Scope, in FieldDefInput) (*FieldDef, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	d := FieldDef{ID: newID(), Key: in.Key, Label: strings.TrimSpace(in.Label), Kind: in.Kind, Options: nonNil(in.Options), Required: in.Required, CreatedAt: now, UpdatedAt: now}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_field_defs WHERE org_id = $1`, scope.Org().String()).Scan(&n); err != nil {
			return fmt.Errorf("incident: count fields: %w", err)
		}
		if n >= MaxFieldDefs {
			return apperr.Conflict(fmt.Sprintf("the org has %d custom fields, the most allowed", n)).WithCode("too_many_fields")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO incident_field_defs (id, org_id, key, label, kind, options, required, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, d.ID.String(), scope.Org().String(), d.Key, d.Label, string(d.Kind), jsonArg(d.Options), d.Required, now)
		if err != nil && db.IsUniqueViolation(err) {
			return apperr.Conflict("a custom field with key " + d.Key + " exists").WithCode("field_exists")
		}
		if err != nil {
			return fmt.Errorf("incident: create field: %w", err)
		}
		return auditRecord(ctx, tx, scope, "incident.field.create", "incident_field", d.ID.String(), mustJSON(in))
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// UpdateFieldDef changes a definition's label, options or required flag.
// Values already stored stay; the next write of an incident validates
// them against the new definition.
func (s *Store) UpdateFieldDef(ctx context.Context, scope tenant.Scope, id uuid.UUID, c FieldDefChange) (*FieldDef, error) {
	var d FieldDef
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if d, err = s.loadFieldDef(ctx, tx, scope, id); err != nil {
			return err
		}
		var fields []apperr.FieldError
		if c.Label != nil {
			if l := strings.TrimSpace(*c.Label); l == "" || len(l) > 100 || badText(l) != "" {
				fields = append(fields, apperr.Field("body.label", "a label is 1 to 100 valid characters"))
			}
			d.Label = strings.TrimSpace(*c.Label)
		}
		if c.Options != nil {
			fields = append(fields, validateOptions(d.Kind, *c.Options, "body.options")...)
			d.Options = nonNil(*c.Options)
		}
		if c.Required != nil {
			d.Required = *c.Required
		}
		if len(fields) > 0 {
			return apperr.Validation("invalid field definition", fields...)
		}
		d.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE incident_field_defs SET label = $3, options = $4, required = $5, updated_at = $6 WHERE org_id = $1 AND id = $2`,
			scope.Org().String(), id.String(), d.Label, jsonArg(d.Options), d.Required, d.UpdatedAt); err != nil {
			return fmt.Errorf("incident: update field: %w", err)
		}
		return auditRecord(ctx, tx, scope, "incident.field.update", "incident_field", id.String(), mustJSON(c))
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteFieldDef removes a definition and its values from every incident.
func (s *Store) DeleteFieldDef(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		d, err := s.loadFieldDef(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_field_defs WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("incident: delete field: %w", err)
		}
		q := `UPDATE incidents SET custom_fields = custom_fields - $2::text WHERE org_id = $1 AND custom_fields ? $2::text`
		if tx.Dialect == db.SQLite {
			q = `UPDATE incidents SET custom_fields = json_remove(custom_fields, '$.' || $2) WHERE org_id = $1 AND json_extract(custom_fields, '$.' || $2) IS NOT NULL`
		}
		if _, err := tx.ExecContext(ctx, q, scope.Org().String(), d.Key); err != nil {
			return fmt.Errorf("incident: drop field values: %w", err)
		}
		return auditRecord(ctx, tx, scope, "incident.field.delete", "incident_field", id.String(), mustJSON(map[string]string{"key": d.Key}))
	})
}
