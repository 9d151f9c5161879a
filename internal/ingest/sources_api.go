package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// SourceOutput is one source; Secret is set only when a webhook source is
// created or its secret rotated (it is never shown again).
type SourceOutput struct {
	Body struct {
		SourceConfig
		Secret     string `json:"secret,omitempty" doc:"Webhook signing secret, shown once"`
		WebhookURL string `json:"webhook_url,omitempty"`
		IntakeURL  string `json:"intake_url,omitempty" doc:"Where the vendor sends alerts: the webhook URL, or the intake API naming this source; empty for syslog"`
	}
}

// SourceItem is a listed source with the URL its vendor sends to.
type SourceItem struct {
	SourceConfig
	IntakeURL string `json:"intake_url,omitempty" doc:"Where the vendor sends alerts: the webhook URL, or the intake API naming this source; empty for syslog"`
}

// intakeURL is where alerts for src are sent, on the configured public URL.
func intakeURL(publicURL string, src *SourceConfig) string {
	base := strings.TrimRight(publicURL, "/") + httpapi.APIPrefix
	switch src.Kind {
	case KindWebhook:
		return base + "/webhooks/" + src.ID.String()
	case KindAPI:
		return base + "/alerts?source_id=" + src.ID.String()
	}
	return ""
}

type sourceCreateInput struct {
	Body SourceConfigInput
}

type sourceIDInput struct {
	ID uuid.UUID `path:"id"`
}

type sourceUpdateInput struct {
	ID   uuid.UUID `path:"id"`
	Body SourceConfigInput
}

type rotateSecretInput struct {
	ID uuid.UUID `path:"id"`
	// Body is optional: without it the grace period is the default.
	Body *rotateSecretBody
}

type rotateSecretBody struct {
	GracePeriodSeconds *int `json:"grace_period_seconds,omitempty" minimum:"0" maximum:"604800" doc:"How long the replaced secret keeps verifying (default 86400 = 24 h; 0 revokes it now)"`
}

type sourcesOutput struct {
	Body struct {
		Items []SourceItem `json:"items"`
	}
}

type sourceTypesOutput struct {
	Body struct {
		Items []string `json:"items"`
	}
}

// audited runs change and records its audit entry in one transaction
// (the store methods join the transaction carried by ctx).
func (s *Store) audited(ctx context.Context, scope tenant.Scope, action string, change func(ctx context.Context) (*SourceConfig, error)) (*SourceConfig, error) {
	var src *SourceConfig
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if src, err = change(ctx); err != nil {
			return err
		}
		details, _ := json.Marshal(map[string]any{"name": src.Name, "kind": src.Kind, "source_type": src.SourceType,
			"dedup_keys": src.DedupKeys, "dedup_window_seconds": src.DedupWindow, "allowed_cidrs": src.AllowedCIDRs, "enabled": src.Enabled})
		if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action,
			TargetType: "alert_source", TargetID: src.ID.String(), Details: details}); err != nil {
			return err
		}
		return emitSource(ctx, tx, scope, action, src)
	})
	return src, err
}

// RegisterSources adds the source management operations.
func (a *API) RegisterSources(api huma.API, publicURL string) {
	st := a.Pipeline.Store
	tags := []string{"Ingest"}
	base := httpapi.APIPrefix + "/alert-sources"
	perm := rbac.SourcesManage
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-alert-source-types", Method: http.MethodGet,
		Path: httpapi.APIPrefix + "/alert-source-types", Summary: "List the source types the normalizers understand", Tags: tags}, rbac.AlertsRead),
		func(context.Context, *struct{}) (*sourceTypesOutput, error) {
			out := &sourceTypesOutput{}
			out.Body.Items = normalize.SourceTypes()
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-alert-sources", Method: http.MethodGet, Path: base,
		Summary: "List alert sources", Tags: tags}, perm),
		func(ctx context.Context, _ *struct{}) (*sourcesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			list, err := st.ListSources(ctx, scope)
			if err != nil {
				return nil, err
			}
			out := &sourcesOutput{}
			out.Body.Items = make([]SourceItem, len(list))
			for i := range list {
				out.Body.Items[i] = SourceItem{SourceConfig: list[i], IntakeURL: intakeURL(publicURL, &list[i])}
			}
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-alert-source", Method: http.MethodPost, Path: base,
		Summary: "Create an alert source (webhook, syslog or API)", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "A webhook source gets a signing secret, returned once. A syslog source lists the sender networks (CIDR) mapped to this org."}, perm),
		func(ctx context.Context, in *sourceCreateInput) (*SourceOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			var secret string
			src, err := st.audited(ctx, scope, "alert_source.create", func(ctx context.Context) (*SourceConfig, error) {
				src, sec, err := st.CreateSource(ctx, scope, in.Body)
				secret = sec
				return src, err
			})
			if err != nil {
				return nil, err
			}
			out := &SourceOutput{}
			out.Body.SourceConfig, out.Body.Secret = *src, secret
			if src.Kind == KindWebhook {
				out.Body.WebhookURL = intakeURL(publicURL, src)
			}
			out.Body.IntakeURL = intakeURL(publicURL, src)
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-alert-source", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "Get an alert source", Tags: tags}, perm),
		func(ctx context.Context, in *sourceIDInput) (*SourceOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			src, err := st.GetSource(ctx, scope, in.ID)
			if err != nil {
				return nil, err
			}
			out := &SourceOutput{}
			out.Body.SourceConfig = *src
			out.Body.IntakeURL = intakeURL(publicURL, src)
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-alert-source", Method: http.MethodPut, Path: base + "/{id}",
		Summary: "Replace an alert source's settings (kind and secret stay)", Tags: tags}, perm),
		func(ctx context.Context, in *sourceUpdateInput) (*SourceOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			src, err := st.audited(ctx, scope, "alert_source.update", func(ctx context.Context) (*SourceConfig, error) {
				return st.UpdateSource(ctx, scope, in.ID, in.Body)
			})
			if err != nil {
				return nil, err
			}
			out := &SourceOutput{}
			out.Body.SourceConfig = *src
			out.Body.IntakeURL = intakeURL(publicURL, src)
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "rotate-alert-source-secret", Method: http.MethodPost,
		Path: base + "/{id}/rotate-secret", Summary: "Rotate a webhook source's signing secret", Tags: tags,
		Description: "Returns the new secret once. The replaced secret keeps verifying for the grace period (default 24 h, at most 7 days; 0 revokes it now) so senders can switch without losing deliveries; a secret replaced by an earlier rotation stops verifying. Only webhook sources have a secret (409 otherwise).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict}}, perm),
		func(ctx context.Context, in *rotateSecretInput) (*SourceOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			grace := DefaultSecretGrace
			if in.Body != nil && in.Body.GracePeriodSeconds != nil {
				grace = time.Duration(*in.Body.GracePeriodSeconds) * time.Second
			}
			var secret string
			var src *SourceConfig
			err = st.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
				var err error
				if src, secret, err = st.RotateSecret(ctx, scope, in.ID, grace, a.Pipeline.now()); err != nil {
					return err
				}
				details, err := json.Marshal(map[string]any{"name": src.Name, "grace_period_seconds": int(grace / time.Second),
					"previous_secret_expires_at": src.PreviousSecretExpiresAt})
				if err != nil {
					return fmt.Errorf("ingest: audit details: %w", err)
				}
				if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "alert_source.rotate_secret",
					TargetType: "alert_source", TargetID: src.ID.String(), Details: details}); err != nil {
					return err
				}
				return emitSource(ctx, tx, scope, "alert_source.rotate_secret", src)
			})
			if err != nil {
				return nil, err
			}
			out := &SourceOutput{}
			out.Body.SourceConfig, out.Body.Secret = *src, secret
			out.Body.WebhookURL = intakeURL(publicURL, src)
			out.Body.IntakeURL = out.Body.WebhookURL
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-alert-source", Method: http.MethodDelete, Path: base + "/{id}",
		Summary: "Delete an alert source (its alerts stay)", Tags: tags, DefaultStatus: http.StatusNoContent}, perm),
		func(ctx context.Context, in *sourceIDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			_, err = st.audited(ctx, scope, "alert_source.delete", func(ctx context.Context) (*SourceConfig, error) {
				src, err := st.GetSource(ctx, scope, in.ID)
				if err != nil {
					return nil, err
				}
				return src, st.DeleteSource(ctx, scope, in.ID)
			})
			return nil, err
		})
}
