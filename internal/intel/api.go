package intel

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// API serves the threat-intel operations.
type API struct {
	Store     *Store
	Hunter    *Hunter
	Matcher   *Matcher
	Refresher *Refresher
	// Jobs queues feed refreshes; nil runs them in the request (tests).
	Jobs *jobs.Client
}

// AllowlistInput pages the allowlist.
type AllowlistInput struct {
	Type   string `query:"type" enum:"ipv4,ipv6,cidr,domain,url,md5,sha1,sha256,email,file,ja3,ja4"`
	Cursor string `query:"cursor" maxLength:"40"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

// AllowlistOutput is one page of the allowlist.
type AllowlistOutput struct {
	Body struct {
		Items      []AllowEntry `json:"items"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}
}

// AddAllowInput adds an allowlist entry.
type AddAllowInput struct{ Body AllowInput }

// AllowOutput is one allowlist entry.
type AllowOutput struct{ Body AllowEntry }

// AlertMatchesInput names an alert.
type AlertMatchesInput struct {
	ID uuid.UUID `path:"alertId"`
}

// AlertMatchesOutput is an alert's matches with their indicators.
type AlertMatchesOutput struct {
	Body struct {
		Items []MatchContext `json:"items"`
	}
}

// UpdateFeedInput changes a feed.
type UpdateFeedInput struct {
	ID   uuid.UUID `path:"id"`
	Body FeedPatch
}

// RefreshOutput reports a queued refresh (or, without a job queue, the
// run).
type RefreshOutput struct {
	Body struct {
		Queued bool     `json:"queued"`
		Run    *FeedRun `json:"run,omitempty" doc:"The run, when it ran in the request"`
	}
}

// FeedRunsInput pages a feed's runs.
type FeedRunsInput struct {
	ID     uuid.UUID `path:"id"`
	Cursor string    `query:"cursor" maxLength:"40"`
	Limit  int       `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// FeedRunsOutput is one page of runs.
type FeedRunsOutput struct {
	Body struct {
		Items      []FeedRun `json:"items"`
		NextCursor string    `json:"next_cursor,omitempty"`
	}
}

func scopeOf(ctx context.Context) (tenant.Scope, error) {
	s, ok := tenant.FromContext(ctx)
	if !ok {
		return s, apperr.Unauthorized("no organisation in the request context")
	}
	return s, nil
}

// IDInput names one object.
type IDInput struct {
	ID uuid.UUID `path:"id"`
}

// ListIndicatorsInput filters the indicator list.
type ListIndicatorsInput struct {
	Type          string `query:"type" enum:"ipv4,ipv6,cidr,domain,url,md5,sha1,sha256,email,file,ja3,ja4"`
	FeedID        string `query:"feed_id" format:"uuid"`
	Value         string `query:"value" maxLength:"2048" doc:"Exact value (canonicalized for the given type)"`
	Tag           string `query:"tag" maxLength:"100"`
	TLP           string `query:"tlp" enum:"clear,green,amber,amber+strict,red" doc:"Only indicators with this TLP marking"`
	Q             string `query:"q" maxLength:"200" doc:"Search: indicators whose value contains this text (case-insensitive)"`
	MinConfidence int    `query:"min_confidence" minimum:"0" maximum:"100"`
	Platform      bool   `query:"platform" doc:"Include the indicators of subscribed platform feeds"`
	Flagged       bool   `query:"flagged" doc:"Only indicators the fan-out guardrail flagged"`
	Expired       bool   `query:"expired" doc:"Only expired indicators (default: live ones)"`
	Cursor        string `query:"cursor" maxLength:"40" doc:"next_cursor of the previous page"`
	Limit         int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func parseCursor(c string) (*uuid.UUID, error) {
	if c == "" {
		return nil, nil
	}
	id, err := uuid.Parse(c)
	if err != nil {
		return nil, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "not a cursor returned by this API"))
	}
	return &id, nil
}

func (in *ListIndicatorsInput) query() (Query, *uuid.UUID, error) {
	q := Query{Type: Type(in.Type), Tag: in.Tag, TLP: in.TLP, Search: strings.ToLower(strings.TrimSpace(in.Q)), MinConfidence: in.MinConfidence, Platform: in.Platform, Flagged: in.Flagged, Expired: in.Expired}
	if in.FeedID != "" {
		id, err := uuid.Parse(in.FeedID)
		if err != nil {
			return q, nil, apperr.Validation("invalid filter", apperr.Field("query.feed_id", "not a uuid"))
		}
		q.FeedID = &id
	}
	if in.Value != "" {
		q.Value = strings.TrimSpace(in.Value)
		if q.Type != "" {
			v, ok := Canonicalize(q.Type, in.Value)
			if !ok {
				return q, nil, apperr.Validation("invalid filter", apperr.Field("query.value", "not a valid "+in.Type))
			}
			q.Value = v
		}
	}
	after, err := parseCursor(in.Cursor)
	return q, after, err
}

// IndicatorsOutput is one page of indicators.
type IndicatorsOutput struct {
	Body struct {
		Items      []Indicator `json:"items"`
		NextCursor string      `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	}
}

// NewIndicator is one indicator to create.
type NewIndicator struct {
	Type        Type       `json:"type" enum:"ipv4,ipv6,cidr,domain,url,md5,sha1,sha256,email,file,ja3,ja4"`
	Value       string     `json:"value" minLength:"1" maxLength:"2048"`
	Subdomains  bool       `json:"subdomains,omitempty" doc:"Domain indicators: also match every subdomain"`
	Detect      *bool      `json:"detect,omitempty" doc:"Match alerts against it (default true)"`
	Confidence  int        `json:"confidence,omitempty" minimum:"0" maximum:"100" doc:"0 takes the feed's default"`
	TLP         string     `json:"tlp,omitempty" enum:"clear,green,amber,amber+strict,red"`
	PAP         string     `json:"pap,omitempty" enum:"clear,green,amber,amber+strict,red"`
	ValidUntil  *string    `json:"valid_until,omitempty" format:"date-time"`
	Tags        []string   `json:"tags,omitempty" maxItems:"50"`
	Attack      []string   `json:"attack,omitempty" maxItems:"50"`
	Description string     `json:"description,omitempty" maxLength:"4000"`
	FeedID      *uuid.UUID `json:"-"`
}

// CreateIndicatorsInput creates indicators in one of the org's feeds.
type CreateIndicatorsInput struct {
	Body struct {
		FeedID     *uuid.UUID     `json:"feed_id,omitempty" doc:"One of the org's feeds; default: the org's manual feed"`
		Indicators []NewIndicator `json:"indicators" minItems:"1" maxItems:"1000"`
	}
}

// ImportOutput reports an import.
type ImportOutput struct {
	Body *ImportResult
}

// ImportInput is a STIX bundle or MISP event upload.
type ImportInput struct {
	Format  string `query:"format" enum:"stix,misp" required:"true"`
	FeedID  string `query:"feed_id" format:"uuid" doc:"One of the org's feeds; default: the org's manual feed"`
	RawBody []byte `contentType:"application/json"`
}

// FeedsOutput lists feeds.
type FeedsOutput struct {
	Body struct {
		Items []Feed `json:"items"`
	}
}

// FeedOutput is one feed.
type FeedOutput struct{ Body Feed }

// CreateFeedInput creates a feed.
type CreateFeedInput struct{ Body FeedInput }

// SubscriptionInput turns a platform feed subscription on or off.
type SubscriptionInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Subscribed bool `json:"subscribed"`
	}
}

// ListMatchesInput filters matches.
type ListMatchesInput struct {
	AlertID     string `query:"alert_id" format:"uuid"`
	IndicatorID string `query:"indicator_id" format:"uuid"`
	Cursor      string `query:"cursor" maxLength:"40"`
	Limit       int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// MatchesOutput is one page of matches.
type MatchesOutput struct {
	Body struct {
		Items      []Match `json:"items"`
		NextCursor string  `json:"next_cursor,omitempty"`
	}
}

// MatchVerdictInput marks a match.
type MatchVerdictInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		FalsePositive bool `json:"false_positive"`
	}
}

// MatchOutput is one match.
type MatchOutput struct{ Body Match }

// PageInput pages a list.
type PageInput struct {
	Cursor string `query:"cursor" maxLength:"40"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// HuntsOutput is one page of hunts.
type HuntsOutput struct {
	Body struct {
		Items      []Hunt `json:"items"`
		NextCursor string `json:"next_cursor,omitempty"`
	}
}

// HuntOutput is one hunt.
type HuntOutput struct{ Body Hunt }

// IndicatorOutput is one indicator.
type IndicatorOutput struct{ Body Indicator }

func cursorOf(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

func optUUID(s, loc string) (*uuid.UUID, error) {
	if s == "" {
		return nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, apperr.Validation("invalid filter", apperr.Field(loc, "not a uuid"))
	}
	return &id, nil
}

func (a *API) hunter() HuntQueuer {
	if a.Hunter == nil {
		return nil
	}
	return a.Hunter
}

// Register adds the operations.
func (a *API) Register(api huma.API) {
	read, manage := rbac.IntelRead, rbac.IntelManage
	tags := []string{"Threat intel"}
	base := httpapi.APIPrefix + "/intel"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-indicators", Method: http.MethodGet, Path: base + "/indicators",
		Summary: "List indicators", Tags: tags,
		Description: "The org's own indicators (platform=true adds those of subscribed platform feeds), newest first. Filters combine with AND. Keyset pagination: pass next_cursor back as cursor."}, read),
		func(ctx context.Context, in *ListIndicatorsInput) (*IndicatorsOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			q, after, err := in.query()
			if err != nil {
				return nil, err
			}
			out := &IndicatorsOutput{}
			items, next, err := a.Store.List(ctx, scope, q, after, in.Limit)
			out.Body.Items, out.Body.NextCursor = items, cursorOf(next)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-intel-indicators", Method: http.MethodPost, Path: base + "/indicators",
		Summary: "Create or refresh indicators", Tags: tags, DefaultStatus: http.StatusOK,
		Description: "Values are canonicalized; an existing (feed, type, value) is refreshed. Invalid or allowlisted records are reported in errors, the rest are stored. New indicators are retro-hunted over recent alerts (hunt_id)."}, manage),
		func(ctx context.Context, in *CreateIndicatorsInput) (*ImportOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			inds := make([]Indicator, len(in.Body.Indicators))
			for i, n := range in.Body.Indicators {
				ind := Indicator{Type: n.Type, Value: n.Value, Subdomains: n.Subdomains, Detect: n.Detect == nil || *n.Detect,
					Confidence: n.Confidence, TLP: n.TLP, PAP: n.PAP, Tags: n.Tags, Attack: n.Attack, Description: n.Description}
				if n.ValidUntil != nil {
					t, err := parseTime(*n.ValidUntil)
					if err != nil {
						return nil, apperr.Validation("invalid indicator", apperr.Field("body.indicators["+itoa(i)+"].valid_until", "not an RFC 3339 time"))
					}
					ind.ValidUntil = &t
				}
				inds[i] = ind
			}
			res, err := a.Store.Import(ctx, scope, in.Body.FeedID, inds, a.hunter())
			return &ImportOutput{Body: res}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "import-intel", Method: http.MethodPost, Path: base + "/import",
		Summary: "Import a STIX 2.1 bundle or a MISP event", Tags: tags, MaxBodyBytes: 32 << 20, SkipValidateBody: true,
		Description: "format=stix: a STIX 2.1 bundle (indicator patterns and cyber-observables); format=misp: a MISP event, bare event or search response (attributes without to_ids are stored with detect=false). Counts by type are reported."}, manage),
		func(ctx context.Context, in *ImportInput) (*ImportOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			feed, err := optUUID(in.FeedID, "query.feed_id")
			if err != nil {
				return nil, err
			}
			var inds []Indicator
			if in.Format == "misp" {
				inds, _, err = ParseMISP(in.RawBody)
			} else {
				inds, _, err = ParseSTIX(in.RawBody)
			}
			if err != nil {
				return nil, err
			}
			res, err := a.Store.Import(ctx, scope, feed, inds, a.hunter())
			return &ImportOutput{Body: res}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-intel-indicator", Method: http.MethodGet, Path: base + "/indicators/{id}",
		Summary: "Get one indicator", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*IndicatorOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			ind, err := a.Store.Get(ctx, scope, in.ID)
			return &IndicatorOutput{Body: ind}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-intel-indicator", Method: http.MethodDelete, Path: base + "/indicators/{id}",
		Summary: "Delete one of the org's indicators", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.Delete(ctx, scope, in.ID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "clear-intel-indicator-flag", Method: http.MethodDelete, Path: base + "/indicators/{id}/flag",
		Summary: "Clear an indicator's fan-out flag", Tags: tags,
		Description: "Clears the fan-out guardrail's flag and throttle on one of the org's indicators, or (for this org only) on a subscribed platform feed's, and restarts its count for the hour: its next matches emit intel.matched.v1 again until it passes the limit again. Idempotent; audited (intel.indicator.clear_flag)."}, manage),
		func(ctx context.Context, in *IDInput) (*IndicatorOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			ind, err := a.Store.ClearFlag(ctx, scope, in.ID)
			return &IndicatorOutput{Body: ind}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-feeds", Method: http.MethodGet, Path: base + "/feeds",
		Summary: "List the org's feeds and the platform feeds", Tags: tags,
		Description: "The org's own feeds first, then the platform feeds with whether the org subscribes; each with its health (last run, last success, errors, counts)."}, read),
		func(ctx context.Context, _ *struct{}) (*FeedsOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			out := &FeedsOutput{}
			out.Body.Items, err = a.Store.Feeds(ctx, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-intel-feed", Method: http.MethodPost, Path: base + "/feeds",
		Summary: "Create a feed", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *CreateFeedInput) (*FeedOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.CreateFeed(ctx, scope, in.Body)
			return &FeedOutput{Body: f}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-intel-feed", Method: http.MethodGet, Path: base + "/feeds/{id}",
		Summary: "Get one feed", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*FeedOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.Feed(ctx, scope, in.ID)
			return &FeedOutput{Body: f}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-intel-feed", Method: http.MethodDelete, Path: base + "/feeds/{id}",
		Summary: "Delete one of the org's feeds with its indicators", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteFeed(ctx, scope, in.ID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-intel-feed", Method: http.MethodPatch, Path: base + "/feeds/{id}",
		Summary: "Change one of the org's feeds", Tags: tags,
		Description: "Absent fields stay. A new URL, configuration or credentials resets the feed's validators and cursor (the next pull starts over). Credentials are write-only."}, manage),
		func(ctx context.Context, in *UpdateFeedInput) (*FeedOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.UpdateFeed(ctx, scope, in.ID, in.Body)
			return &FeedOutput{Body: f}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "refresh-intel-feed", Method: http.MethodPost, Path: base + "/feeds/{id}/refresh",
		Summary: "Refresh a pulled feed now", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Queues a refresh (at most one is queued or running per feed; another request joins it)."}, manage),
		func(ctx context.Context, in *IDInput) (*RefreshOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.Feed(ctx, scope, in.ID)
			if err != nil {
				return nil, err
			}
			if f.OrgID == nil {
				return nil, apperr.NotFound("feed")
			}
			if !f.pulled() {
				return nil, apperr.Validation("not a pulled feed", apperr.Field("path.id", "the feed has no URL to pull"))
			}
			org := scope.Org()
			out := &RefreshOutput{}
			if a.Jobs != nil {
				if _, err := a.Jobs.Insert(ctx, FeedRefreshArgs{FeedID: f.ID, OrgID: &org}, nil); err != nil {
					return nil, fmt.Errorf("intel: queue refresh: %w", err)
				}
				out.Body.Queued = true
				return out, nil
			}
			if a.Refresher == nil {
				return nil, apperr.Unavailable("feed refresh is not configured", nil)
			}
			run, err := a.Refresher.Refresh(ctx, &org, f.ID)
			if run.ID != uuid.Nil {
				out.Body.Run, err = &run, nil // the failure is on the run
			}
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-feed-runs", Method: http.MethodGet, Path: base + "/feeds/{id}/runs",
		Summary: "List a feed's refresh runs with their statistics", Tags: tags}, read),
		func(ctx context.Context, in *FeedRunsInput) (*FeedRunsOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			after, err := parseCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			out := &FeedRunsOutput{}
			items, next, err := a.Store.FeedRuns(ctx, scope, in.ID, after, in.Limit)
			out.Body.Items, out.Body.NextCursor = items, cursorOf(next)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "set-intel-feed-subscription", Method: http.MethodPut, Path: base + "/feeds/{id}/subscription",
		Summary: "Subscribe to a platform feed (or stop)", Tags: tags,
		Description: "Only platform feeds can be subscribed to; the org's alerts are then matched against its indicators."}, manage),
		func(ctx context.Context, in *SubscriptionInput) (*FeedOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.Subscribe(ctx, scope, in.ID, in.Body.Subscribed)
			if err == nil && a.Matcher != nil {
				err = a.Matcher.Resubscribe(ctx, scope.Org())
			}
			return &FeedOutput{Body: f}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-matches", Method: http.MethodGet, Path: base + "/matches",
		Summary: "List indicator matches", Tags: tags,
		Description: "Alert ↔ indicator links with the matched value and the entity's role, newest first; filter by alert or indicator."}, read),
		func(ctx context.Context, in *ListMatchesInput) (*MatchesOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			var q MatchQuery
			if q.AlertID, err = optUUID(in.AlertID, "query.alert_id"); err != nil {
				return nil, err
			}
			if q.IndicatorID, err = optUUID(in.IndicatorID, "query.indicator_id"); err != nil {
				return nil, err
			}
			after, err := parseCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			out := &MatchesOutput{}
			items, next, err := a.Store.Matches(ctx, scope, q, after, in.Limit)
			out.Body.Items, out.Body.NextCursor = items, cursorOf(next)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "set-intel-match-verdict", Method: http.MethodPut, Path: base + "/matches/{id}/verdict",
		Summary: "Mark a match false positive (or undo it)", Tags: tags,
		Description: "A false positive counts against the org's indicator (its false_positives grow, lowering its score)."}, manage),
		func(ctx context.Context, in *MatchVerdictInput) (*MatchOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			m, err := a.Store.MarkFalsePositive(ctx, scope, in.ID, in.Body.FalsePositive)
			return &MatchOutput{Body: m}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-allowlist", Method: http.MethodGet, Path: base + "/allowlist",
		Summary: "List the org's intel allowlist", Tags: tags,
		Description: "Values that never match the org's alerts (a CIDR covers its addresses, a domain with subdomains its subdomains). The built-in allowlist (public resolvers, top domains, special ranges, low-entropy hashes) always applies and is not listed."}, read),
		func(ctx context.Context, in *AllowlistInput) (*AllowlistOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			after, err := parseCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			out := &AllowlistOutput{}
			items, next, err := a.Store.Allowlist(ctx, scope, Type(in.Type), after, in.Limit)
			out.Body.Items, out.Body.NextCursor = items, cursorOf(next)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "add-intel-allowlist", Method: http.MethodPost, Path: base + "/allowlist",
		Summary: "Add a value to the org's intel allowlist", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "The value is canonicalized; it applies to matching at once on this replica and within the index refresh interval on others."}, manage),
		func(ctx context.Context, in *AddAllowInput) (*AllowOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			e, err := a.Store.AddAllow(ctx, scope, in.Body)
			return &AllowOutput{Body: e}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-intel-allowlist", Method: http.MethodDelete, Path: base + "/allowlist/{id}",
		Summary: "Remove a value from the org's intel allowlist", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteAllow(ctx, scope, in.ID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-alert-matches", Method: http.MethodGet, Path: base + "/alerts/{alertId}/matches",
		Summary: "An alert's intel matches with each indicator's context", Tags: tags,
		Description: "Every match of the alert with the full indicator (confidence, score, markings, tags, ATT&CK, description) and its feed's name; 404 if the alert is not the org's."}, read),
		func(ctx context.Context, in *AlertMatchesInput) (*AlertMatchesOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			out := &AlertMatchesOutput{}
			out.Body.Items, err = a.Store.AlertMatches(ctx, scope, in.ID)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-intel-hunts", Method: http.MethodGet, Path: base + "/hunts",
		Summary: "List retro-hunts", Tags: tags}, read),
		func(ctx context.Context, in *PageInput) (*HuntsOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			after, err := parseCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			out := &HuntsOutput{}
			items, next, err := a.Store.Hunts(ctx, scope, after, in.Limit)
			out.Body.Items, out.Body.NextCursor = items, cursorOf(next)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-intel-hunt", Method: http.MethodGet, Path: base + "/hunts/{id}",
		Summary: "Get one retro-hunt with its outcome", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*HuntOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			h, err := a.Store.Hunt(ctx, scope, in.ID)
			return &HuntOutput{Body: h}, err
		})
}
