package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones are validated and used the same on every host

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Languages are the UI languages with a complete translation (web/src/locales).
var Languages = []string{"en", "de"}

// Locale is a display time zone (IANA name) and UI language. For an org
// both are set (defaults UTC and en); for a user an empty field follows
// the selected org.
type Locale struct {
	Timezone string
	Language string
}

// DefaultOrgLocale is the locale of an org that never set one.
var DefaultOrgLocale = Locale{Timezone: "UTC", Language: "en"}

// LoadZone returns the location of an IANA zone name; "Local" and the
// empty name are refused (they would mean the server's zone).
func LoadZone(name string) (*time.Location, error) {
	if strings.TrimSpace(name) == "" || strings.EqualFold(name, "local") {
		return nil, errors.New("not an IANA time zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("not an IANA time zone: %w", err)
	}
	return loc, nil
}

// validate checks l; allowEmpty admits empty fields (a user following the org).
func (l Locale) validate(allowEmpty bool) error {
	var f []apperr.FieldError
	if !allowEmpty || l.Timezone != "" {
		if _, err := LoadZone(l.Timezone); err != nil {
			f = append(f, apperr.Field("body.timezone", "not an IANA time zone (e.g. Europe/Berlin)"))
		}
	}
	if (!allowEmpty || l.Language != "") && !slices.Contains(Languages, l.Language) {
		f = append(f, apperr.Field("body.language", "must be one of "+strings.Join(Languages, ", ")))
	}
	if len(f) > 0 {
		return apperr.Validation("invalid locale", f...)
	}
	return nil
}

// OrgLocale returns the scope's org default time zone and language.
func (s *Store) OrgLocale(ctx context.Context, scope tenant.Scope) (Locale, error) {
	var l Locale
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		l, err = orgLocale(ctx, tx, scope.Org())
		return err
	})
	return l, err
}

func orgLocale(ctx context.Context, tx *db.Tx, org uuid.UUID) (Locale, error) {
	var l Locale
	err := tx.QueryRowContext(ctx, `SELECT timezone, language FROM orgs WHERE id = $1`, org.String()).Scan(&l.Timezone, &l.Language)
	if errors.Is(err, sql.ErrNoRows) {
		return Locale{}, apperr.NotFound("org")
	}
	if err != nil {
		return Locale{}, fmt.Errorf("identity: read org locale: %w", err)
	}
	return l, nil
}

// OrgZone returns the location of the scope's org time zone (UTC when the
// stored name no longer loads). Reports and the default SLA calendar use it.
func (s *Store) OrgZone(ctx context.Context, scope tenant.Scope) (*time.Location, error) {
	l, err := s.OrgLocale(ctx, scope)
	if err != nil {
		return nil, err
	}
	loc, err := LoadZone(l.Timezone)
	if err != nil {
		return time.UTC, nil //nolint:nilerr // a zone dropped from tzdata falls back to UTC rather than failing reports
	}
	return loc, nil
}

// SetOrgLocale sets the scope's org default time zone and language (both
// required), audited as org.locale.
func (s *Store) SetOrgLocale(ctx context.Context, scope tenant.Scope, l Locale) (Locale, error) {
	if err := l.validate(false); err != nil {
		return Locale{}, err
	}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET timezone = $1, language = $2, updated_at = $3 WHERE id = $4`,
			l.Timezone, l.Language, s.now(), scope.Org().String())
		if err != nil {
			return fmt.Errorf("identity: update org locale: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("org")
		}
		return record(ctx, tx, scope, "org.locale", "org", scope.Org().String(), map[string]any{"timezone": l.Timezone, "language": l.Language})
	})
	if err != nil {
		return Locale{}, err
	}
	return l, nil
}

// UserLocale returns a user's own time zone and language (empty fields
// follow the org).
func (s *Store) UserLocale(ctx context.Context, userID uuid.UUID) (Locale, error) {
	var l Locale
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT timezone, language FROM users WHERE id = $1`, userID.String()).Scan(&l.Timezone, &l.Language)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("user")
		}
		return err
	})
	if err != nil {
		return Locale{}, fmt.Errorf("identity: read user locale: %w", err)
	}
	return l, nil
}

// SetUserLocale sets a user's time zone and language override (empty
// fields follow the org).
func (s *Store) SetUserLocale(ctx context.Context, userID uuid.UUID, l Locale) (Locale, error) {
	if err := l.validate(true); err != nil {
		return Locale{}, err
	}
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET timezone = $1, language = $2, updated_at = $3 WHERE id = $4`,
			l.Timezone, l.Language, s.now(), userID.String())
		if err != nil {
			return fmt.Errorf("identity: update user locale: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("user")
		}
		return nil
	})
	if err != nil {
		return Locale{}, err
	}
	return l, nil
}

// orgLocales reads the locale of each org in ids (global table, no org armed).
func (s *Store) orgLocales(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]Locale, error) {
	out := make(map[uuid.UUID]Locale, len(ids))
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		for _, id := range ids {
			l, err := orgLocale(ctx, tx, id)
			if err != nil {
				return err
			}
			out[id] = l
		}
		return nil
	})
	return out, err
}

// LocaleBody is a time zone and language in API requests and responses.
type LocaleBody struct {
	Timezone string `json:"timezone" maxLength:"64" doc:"IANA time zone, e.g. Europe/Berlin (empty for a user: follow the org)" example:"Europe/Berlin"`
	Language string `json:"language" maxLength:"8" doc:"UI language: en or de (empty for a user: follow the org)"`
}

func (svc *Service) localeRoutes(api huma.API) {
	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "get-my-preferences", Method: http.MethodGet, Path: httpapi.APIPrefix + "/auth/preferences",
		Summary: "My display time zone and language", Tags: []string{tagAuth},
		Description: "Empty fields follow the selected org's defaults (see get-me: each org carries its timezone and language).",
	}), func(ctx context.Context, _ *struct{}) (*struct{ Body LocaleBody }, error) {
		p, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		l, err := svc.Store.UserLocale(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body LocaleBody }{Body: LocaleBody(l)}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "set-my-preferences", Method: http.MethodPut, Path: httpapi.APIPrefix + "/auth/preferences",
		Summary: "Set my display time zone and language", Tags: []string{tagAuth},
		Description: "An empty field follows the selected org's default. The time zone must be an IANA name.",
	}), func(ctx context.Context, in *struct{ Body LocaleBody }) (*struct{ Body LocaleBody }, error) {
		p, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		l, err := svc.Store.SetUserLocale(ctx, p.UserID, Locale(in.Body))
		if err != nil {
			return nil, err
		}
		return &struct{ Body LocaleBody }{Body: LocaleBody(l)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "get-org-locale", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org/locale",
		Summary: "The selected org's default time zone and language", Tags: []string{tagOrg},
		Description: "The zone is also the one the org's reports and its default SLA calendar use.",
	}, rbac.AdminOrg), func(ctx context.Context, _ *struct{}) (*struct{ Body LocaleBody }, error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		l, err := svc.Store.OrgLocale(ctx, scope)
		if err != nil {
			return nil, err
		}
		return &struct{ Body LocaleBody }{Body: LocaleBody(l)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "set-org-locale", Method: http.MethodPut, Path: httpapi.APIPrefix + "/org/locale",
		Summary: "Set the selected org's default time zone and language", Tags: []string{tagOrg},
		Description: "Both fields are required. Members without their own preference see times in this zone and the UI in this language; reports use the zone.",
	}, rbac.AdminOrg), func(ctx context.Context, in *struct{ Body LocaleBody }) (*struct{ Body LocaleBody }, error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		l, err := svc.Store.SetOrgLocale(ctx, scope, Locale(in.Body))
		if err != nil {
			return nil, err
		}
		return &struct{ Body LocaleBody }{Body: LocaleBody(l)}, nil
	})
}
