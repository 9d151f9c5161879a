package intel

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// SharingAPI serves the incident STIX export and the read-only TAXII 2.1
// server. It is registered after the incident module (it reads an
// incident's alerts through Incidents).
type SharingAPI struct {
	Store     *Store
	Incidents Incidents
}

// ExportIncidentInput selects an incident export.
type ExportIncidentInput struct {
	ID             uuid.UUID `path:"id"`
	Observables    bool      `query:"observables" doc:"Also export the alerts' observables (IP, domain, URL, e-mail, file hash and name) as STIX cyber-observables with one observed-data per alert"`
	ObservablesTLP string    `query:"observables_tlp" enum:"clear,green,amber,amber+strict" default:"amber" doc:"TLP marking of the exported observables (TLP:RED is never exported)"`
}

// ExportOutput is a STIX 2.1 bundle.
type ExportOutput struct {
	ContentType string `header:"Content-Type"`
	Disposition string `header:"Content-Disposition"`
	Withheld    string `header:"X-SecureNexus-Withheld" doc:"Matched indicators left out (TLP:RED, or no STIX pattern: JA3/JA4)"`
	Body        []byte
}

// Register adds the sharing operations.
func (a *SharingAPI) Register(api huma.API) {
	tags := []string{"Threat intel"}
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "export-incident-stix", Method: http.MethodGet, Path: httpapi.APIPrefix + "/incidents/{id}/stix",
		Summary: "Export an incident's indicators as a STIX 2.1 bundle", Tags: tags,
		Description: "The indicators (the org's and subscribed platform feeds') that the incident's alerts matched, as STIX 2.1 indicators with their TLP 2.0 marking-definitions; TLP:RED indicators are never exported (X-SecureNexus-Withheld counts them). observables=true adds the alerts' shareable observables. Audited (intel.incident.export).",
		Responses:   map[string]*huma.Response{"200": {Description: "A STIX 2.1 bundle", Content: map[string]*huma.MediaType{STIXMediaType: {}}}}}, rbac.IntelRead),
		func(ctx context.Context, in *ExportIncidentInput) (*ExportOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			if a.Incidents == nil {
				return nil, apperr.Unavailable("incident export is not configured", nil)
			}
			alerts, err := a.Incidents.IncidentAlerts(ctx, scope, in.ID)
			if err != nil {
				return nil, err
			}
			tlp := in.ObservablesTLP
			if tlp == "" {
				tlp = "amber"
			}
			res, err := a.Store.ExportIncident(ctx, scope, in.ID, alerts, ExportOptions{Observables: in.Observables, ObservablesTLP: tlp})
			if err != nil {
				return nil, err
			}
			return &ExportOutput{ContentType: STIXMediaType, Disposition: `attachment; filename="incident-` + in.ID.String() + `.stix.json"`,
				Withheld: strconv.Itoa(res.Withheld), Body: res.Bundle}, nil
		})

	taxii := func(op huma.Operation) huma.Operation {
		op.Tags = []string{"TAXII 2.1"}
		op.Middlewares = huma.Middlewares{exactPath(api, op.Path)}
		op.Responses = map[string]*huma.Response{"200": {Description: "A TAXII 2.1 resource", Content: map[string]*huma.MediaType{TAXIIMediaType: {}}}}
		return httpapi.Protected(op, rbac.IntelRead)
	}
	huma.Register(api, taxii(huma.Operation{OperationID: "taxii-discovery", Method: http.MethodGet, Path: TAXIIPath,
		Summary:     "TAXII 2.1 discovery",
		Description: "The TAXII server's discovery resource: one API root. Authenticate with an org API key holding intel:read (Authorization: Bearer)."}),
		func(_ context.Context, in *TAXIIInput) (*TAXIIOutput, error) {
			if err := checkAccept(in); err != nil {
				return nil, err
			}
			return taxiiBody(map[string]any{"title": "SecureNexus TAXII 2.1", "description": "Read-only indicators of the API key's organization",
				"default": TAXIIRootPath, "api_roots": []string{TAXIIRootPath}})
		})
	huma.Register(api, taxii(huma.Operation{OperationID: "taxii-api-root", Method: http.MethodGet, Path: TAXIIRootPath,
		Summary: "TAXII 2.1 API root"}),
		func(_ context.Context, in *TAXIIInput) (*TAXIIOutput, error) {
			if err := checkAccept(in); err != nil {
				return nil, err
			}
			return taxiiBody(map[string]any{"title": "SecureNexus", "versions": []string{TAXIIMediaType}, "max_content_length": 0})
		})
	huma.Register(api, taxii(huma.Operation{OperationID: "taxii-collections", Method: http.MethodGet, Path: TAXIIRootPath + "collections/",
		Summary: "TAXII 2.1 collections", Description: "The org's one read-only collection of its shareable indicators."}),
		func(ctx context.Context, in *TAXIIInput) (*TAXIIOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			if err := checkAccept(in); err != nil {
				return nil, err
			}
			return taxiiBody(map[string]any{"collections": []TAXIICollection{collectionOf(scope.Org())}})
		})
	huma.Register(api, taxii(huma.Operation{OperationID: "taxii-collection", Method: http.MethodGet, Path: TAXIIRootPath + "collections/{id}/",
		Summary: "TAXII 2.1 collection"}),
		func(ctx context.Context, in *TAXIICollectionInput) (*TAXIIOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			if err := checkAccept(&in.TAXIIInput); err != nil {
				return nil, err
			}
			if in.ID != CollectionID(scope.Org()) {
				return nil, apperr.NotFound("collection")
			}
			return taxiiBody(collectionOf(scope.Org()))
		})
	huma.Register(api, taxii(huma.Operation{OperationID: "taxii-objects", Method: http.MethodGet, Path: TAXIIRootPath + "collections/{id}/objects/",
		Summary: "TAXII 2.1 collection objects",
		Description: "An envelope of STIX 2.1 indicators, oldest date added first: added_after (exclusive), limit (default 1000, at most 10000), next (the previous page's token), match[type], match[id]. " +
			"X-TAXII-Date-Added-First/Last give the page's dates added. Deleted indicators come back as a revoked version. Audited (intel.taxii.read) when objects are returned."}),
		func(ctx context.Context, in *TAXIIObjectsInput) (*TAXIIOutput, error) {
			scope, err := scopeOf(ctx)
			if err != nil {
				return nil, err
			}
			if err := checkAccept(&in.TAXIIInput); err != nil {
				return nil, err
			}
			if in.ID != CollectionID(scope.Org()) {
				return nil, apperr.NotFound("collection")
			}
			q := TAXIIQuery{Limit: in.Limit, Types: splitMatch(in.MatchType), IDs: splitMatch(in.MatchID)}
			if in.AddedAfter != "" {
				t, err := time.Parse(time.RFC3339Nano, in.AddedAfter)
				if err != nil {
					return nil, apperr.Validation("invalid filter", apperr.Field("query.added_after", "not an RFC 3339 timestamp"))
				}
				q.AddedAfter = t
			}
			if in.Next != "" {
				c, ok := decodeTAXIICursor(in.Next)
				if !ok {
					return nil, apperr.Validation("invalid filter", apperr.Field("query.next", "not a next token of this server"))
				}
				q.Next = c
			}
			if v := splitMatch(in.MatchSpecVe); len(v) > 0 && !containsFold(v, "2.1") {
				return taxiiBody(map[string]any{"more": false})
			}
			page, err := a.Store.SharedObjects(ctx, scope, q)
			if err != nil {
				return nil, err
			}
			env := map[string]any{"more": page.More}
			if page.Next != "" {
				env["next"] = page.Next
			}
			if len(page.Objects) > 0 {
				env["objects"] = page.Objects
			}
			out, err := taxiiBody(env)
			if err != nil {
				return nil, err
			}
			if len(page.Objects) > 0 {
				// Full precision: the next added_after must not fall
				// before the last object's date added.
				first, last := page.AddedFirst.Format(time.RFC3339Nano), page.Last.Format(time.RFC3339Nano)
				out.First, out.Last = &first, &last
			}
			return out, nil
		})
}

func collectionOf(org uuid.UUID) TAXIICollection {
	return TAXIICollection{ID: CollectionID(org), Title: "Indicators", CanRead: true, CanWrite: false,
		Description: "The organization's own indicators that may be shared (not TLP:RED or TLP:AMBER+STRICT, not context-only)",
		MediaTypes:  []string{STIXMediaType}}
}
