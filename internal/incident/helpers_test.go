package incident_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// members is the identity facade the app wires, over a real store.
type members struct{ s *identity.Store }

func (m members) IsMember(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error) {
	_, err := m.s.Member(ctx, scope, user)
	if apperr.Is(err, apperr.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}

// env is one org with a member and an incident store on a real database.
type env struct {
	t      *testing.T
	d      *db.DB
	store  *incident.Store
	org    uuid.UUID
	scope  tenant.Scope
	member identitytest.Member
	ingest *ingest.Pipeline
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	org := identitytest.NewOrg(t, d, "Acme")
	m := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
	norm := func(_ string, raw []byte) ([]alert.Alert, error) {
		var a alert.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return []alert.Alert{a}, nil
	}
	return &env{
		t: t, d: d, org: org, scope: m.Scope(), member: m,
		store:  &incident.Store{DB: d, Members: members{identitytest.Store(t, d)}, Alerts: &alerts.Store{DB: d}},
		ingest: &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: norm},
	}
}

// alert ingests one alert and returns its id.
func (e *env) alert(title string, tactics []string, ents ...alert.Entity) uuid.UUID {
	e.t.Helper()
	a := alert.Alert{Title: title, Severity: alert.SeverityHigh, Source: alert.Source{Type: "generic"},
		Rule: alert.Rule{ID: "r-" + uuid.NewString()}, EventTime: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC),
		Tactics: tactics, Entities: ents}
	raw, _ := json.Marshal(a)
	sum, err := e.ingest.Ingest(context.Background(), e.scope, nil, "", "test", [][]byte{raw})
	if err != nil || sum.Accepted != 1 {
		e.t.Fatalf("ingest: %v %+v", err, sum)
	}
	return *sum.Results[0].ID
}

// fieldErr asserts err is a validation error naming loc.
func fieldErr(t *testing.T, err error, loc string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation {
		t.Fatalf("want a validation error naming %s, got %v", loc, err)
	}
	for _, f := range ae.Fields {
		if f.Location == loc {
			return
		}
	}
	t.Fatalf("validation error %v does not name %s (fields %+v)", ae, loc, ae.Fields)
}

func kindOf(err error) apperr.Kind {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return -1
}

func ptr[T any](v T) *T { return &v }
