package correlate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Over-common-entity guardrail: the sample is the org's correlated alerts
// of the last day (at most commonSample, newest first), recomputed at most
// every commonEvery by the consumer.
const (
	commonWindow = 24 * time.Hour
	commonEvery  = 10 * time.Minute
	commonSample = 20000
)

// CommonEntity is an entity on too large a share of the org's alerts.
type CommonEntity struct {
	Type   string  `json:"type"`
	Value  string  `json:"value"`
	Alerts int     `json:"alerts"`
	Share  float64 `json:"share"`
	Kept   bool    `json:"kept" doc:"In the org's keep list: still grouped on"`
}

// CorrelationSettings are an org's correlation settings.
type CorrelationSettings struct {
	CommonShare     float64        `json:"common_entity_share" minimum:"0.01" maximum:"1" doc:"An entity on more than this share of the org's alerts of the last day is ignored for grouping"`
	CommonMinAlerts int            `json:"common_entity_min_alerts" minimum:"10" maximum:"1000000" doc:"The guardrail applies once the day has at least this many alerts"`
	KeepEntities    []EntityRef    `json:"keep_entities" maxItems:"500" doc:"Entities grouped on even when over-common (the org says otherwise)"`
	CommonEntities  []CommonEntity `json:"common_entities,omitempty" readOnly:"true" doc:"The over-common entities last computed"`
	ComputedAt      *time.Time     `json:"computed_at,omitempty" readOnly:"true"`
}

func defaultSettings() CorrelationSettings {
	return CorrelationSettings{CommonShare: 0.2, CommonMinAlerts: 100, KeepEntities: []EntityRef{}, CommonEntities: []CommonEntity{}}
}

func readSettings(ctx context.Context, tx *db.Tx, scope tenant.Scope) (CorrelationSettings, bool, error) {
	s := defaultSettings()
	var keep, common string
	var at sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT common_share, common_min_alerts, keep_entities, common_entities, computed_at FROM correlation_settings WHERE org_id = $1`,
		scope.Org().String()).Scan(&s.CommonShare, &s.CommonMinAlerts, &keep, &common, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("correlate: read settings: %w", err)
	}
	if err := errors.Join(json.Unmarshal([]byte(keep), &s.KeepEntities), json.Unmarshal([]byte(common), &s.CommonEntities)); err != nil {
		return s, false, fmt.Errorf("correlate: decode settings: %w", err)
	}
	if at.Valid {
		t := at.Time.UTC()
		s.ComputedAt = &t
	}
	kept := map[string]bool{}
	for _, k := range s.KeepEntities {
		kept[k.Type+":"+k.Value] = true
	}
	for i := range s.CommonEntities {
		c := &s.CommonEntities[i]
		c.Kept = kept[c.Type+":"+c.Value]
	}
	return s, true, nil
}

func skipSet(s CorrelationSettings) map[string]bool {
	out := map[string]bool{}
	for _, c := range s.CommonEntities {
		if !c.Kept {
			out[c.Type+":"+c.Value] = true
		}
	}
	return out
}

// loadIgnored returns the org's over-common entities ("type:value")
// ignored for grouping, as last computed (read-only: backtests).
func loadIgnored(ctx context.Context, tx *db.Tx, scope tenant.Scope) (map[string]bool, error) {
	s, _, err := readSettings(ctx, tx, scope)
	if err != nil {
		return nil, err
	}
	return skipSet(s), nil
}

// refreshIgnored is loadIgnored for the consumer: it recomputes the list
// when it is older than commonEvery.
//
// The sample's entities are the alerts' own, read through the alert facade
// (correlation keeps no copy of them).
func refreshIgnored(ctx context.Context, tx *db.Tx, scope tenant.Scope, now time.Time, reader AlertReader) (map[string]bool, error) {
	s, _, err := readSettings(ctx, tx, scope)
	if err != nil {
		return nil, err
	}
	if s.ComputedAt != nil && now.Sub(*s.ComputedAt) < commonEvery {
		return skipSet(s), nil
	}
	rs, err := tx.QueryContext(ctx, `SELECT alert_id FROM correlation_group_alerts WHERE org_id = $1 AND event_time >= $2 ORDER BY event_time DESC LIMIT $3`,
		scope.Org().String(), now.Add(-commonWindow), commonSample)
	if err != nil {
		return nil, fmt.Errorf("correlate: sample entities: %w", err)
	}
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for rs.Next() {
		var id uuid.UUID
		if err := rs.Scan(&id); err != nil {
			_ = rs.Close()
			return nil, fmt.Errorf("correlate: scan sample: %w", err)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	_ = rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("correlate: sample entities: %w", err)
	}
	counts := map[alert.Entity]int{}
	if len(ids) >= s.CommonMinAlerts {
		ents, err := reader.EntitiesOf(ctx, scope, ids)
		if err != nil {
			return nil, fmt.Errorf("correlate: sample entities: %w", err)
		}
		for _, es := range ents {
			once := map[alert.Entity]bool{}
			for _, e := range es {
				k := alert.Entity{Type: e.Type, Value: e.Value}
				if !once[k] {
					once[k] = true
					counts[k]++
				}
			}
		}
	}
	common := []CommonEntity{}
	if n := len(seen); n >= s.CommonMinAlerts {
		for e, c := range counts {
			if share := float64(c) / float64(n); share > s.CommonShare {
				common = append(common, CommonEntity{Type: string(e.Type), Value: e.Value, Alerts: c, Share: roundTo(share, 3)})
			}
		}
	}
	slices.SortFunc(common, func(a, b CommonEntity) int { return b.Alerts - a.Alerts })
	common = common[:min(len(common), 100)]
	if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_settings (org_id, common_entities, computed_at, updated_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (org_id) DO UPDATE SET common_entities = excluded.common_entities, computed_at = excluded.computed_at`,
		scope.Org().String(), mustJSON(common), now); err != nil {
		return nil, fmt.Errorf("correlate: save common entities: %w", err)
	}
	s.CommonEntities = common
	kept := map[string]bool{}
	for _, k := range s.KeepEntities {
		kept[k.Type+":"+k.Value] = true
	}
	for i := range s.CommonEntities {
		s.CommonEntities[i].Kept = kept[s.CommonEntities[i].Type+":"+s.CommonEntities[i].Value]
	}
	return skipSet(s), nil
}

// annotateIgnored notes in why the over-common entities of the group's
// alerts (of its group-by types) that grouping ignored.
func annotateIgnored(why *incident.Explanation, ms []groupAlert, r *CorrelationRule, skip map[string]bool) {
	if len(skip) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, m := range ms {
		for _, e := range m.Entities {
			k := keyOf(e)
			if skip[k] && slices.Contains(r.GroupBy, string(e.Type)) && !seen[k] {
				seen[k] = true
				why.Ignored = append(why.Ignored, alert.Entity{Type: e.Type, Value: e.Value})
			}
		}
	}
	if len(why.Ignored) == 0 {
		return
	}
	names := make([]string, len(why.Ignored))
	for i, e := range why.Ignored {
		names[i] = keyOf(e)
	}
	slices.Sort(names)
	why.Summary += "; ignored as over-common (on too large a share of the org's alerts): " + strings.Join(names, ", ")
}

// SettingsV1 is the payload of correlation_settings.updated.v1.
type SettingsV1 struct {
	CommonShare     float64 `json:"common_entity_share"`
	CommonMinAlerts int     `json:"common_entity_min_alerts"`
	KeepEntities    int     `json:"keep_entities"`
}

// EventSettingsUpdated is emitted when an org changes its correlation settings.
var EventSettingsUpdated = events.Register[SettingsV1]("correlation_settings.updated.v1", "An org changed its correlation settings (over-common-entity guardrail, keep list).", rbac.IncidentsRead)

// GetSettings returns the org's settings with the over-common entities.
func (s *Rules) GetSettings(ctx context.Context, scope tenant.Scope) (*CorrelationSettings, error) {
	var out CorrelationSettings
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, _, err = readSettings(ctx, tx, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// PutSettings replaces the org's guardrail settings and keep list.
func (s *Rules) PutSettings(ctx context.Context, scope tenant.Scope, in CorrelationSettings) (*CorrelationSettings, error) {
	var fields []apperr.FieldError
	if in.CommonShare < 0.01 || in.CommonShare > 1 {
		fields = append(fields, apperr.Field("body.common_entity_share", "from 0.01 to 1"))
	}
	if in.CommonMinAlerts < 10 || in.CommonMinAlerts > 1000000 {
		fields = append(fields, apperr.Field("body.common_entity_min_alerts", "from 10 to 1000000"))
	}
	if len(in.KeepEntities) > 500 {
		fields = append(fields, apperr.Field("body.keep_entities", "at most 500"))
	}
	for i, e := range in.KeepEntities {
		if !isEntityType(e.Type) {
			fields = append(fields, apperr.Field(fmt.Sprintf("body.keep_entities[%d].type", i), "an entity type ("+joinTypes()+")"))
		}
		if strings.TrimSpace(e.Value) == "" {
			fields = append(fields, apperr.Field(fmt.Sprintf("body.keep_entities[%d].value", i), "a value"))
		}
	}
	if len(fields) > 0 {
		return nil, apperr.Validation("invalid settings", fields...)
	}
	if in.KeepEntities == nil {
		in.KeepEntities = []EntityRef{}
	}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		now := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_settings (org_id, common_share, common_min_alerts, keep_entities, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (org_id) DO UPDATE SET common_share = excluded.common_share, common_min_alerts = excluded.common_min_alerts, keep_entities = excluded.keep_entities,
computed_at = NULL, updated_at = excluded.updated_at`, scope.Org().String(), in.CommonShare, in.CommonMinAlerts, mustJSON(in.KeepEntities), now); err != nil {
			return fmt.Errorf("correlate: save settings: %w", err)
		}
		p := SettingsV1{CommonShare: in.CommonShare, CommonMinAlerts: in.CommonMinAlerts, KeepEntities: len(in.KeepEntities)}
		details, _ := json.Marshal(in)
		if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "correlation.settings.update",
			TargetType: "correlation_settings", TargetID: scope.Org().String(), Details: details}); err != nil {
			return err
		}
		_, err := events.Append(ctx, tx, scope, EventSettingsUpdated, events.Subject("correlation_settings", scope.Org()), p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetSettings(ctx, scope)
}
