package evidence

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
)

// The evidence event kinds (subject: the incident, so the incident page
// receives them).
var (
	EventAdded           = events.Register[EventV1]("evidence.added.v1", "An evidence artifact was collected for an incident.", rbac.IncidentsRead)
	EventIntegrityFailed = events.Register[EventV1]("evidence.integrity_failed.v1", "An evidence artifact's content no longer matches the SHA-256 taken at collection (found by a download, a verification or the periodic job).", rbac.IncidentsRead)
)

// API serves the evidence operations.
type API struct {
	Store  *Store
	Logger *slog.Logger
}

// UploadInput is an upload: the raw body is the file (any content type),
// or a multipart/form-data body whose "file" part is (an optional
// "description" part may precede it). The body is streamed, never read
// whole into memory.
type UploadInput struct {
	ID          uuid.UUID `path:"id"`
	Name        string    `query:"name" maxLength:"1024" doc:"Original file name of a raw upload (a multipart part's own file name wins)"`
	Description string    `query:"description" maxLength:"4000"`
	ContentType string    `header:"Content-Type"`

	body io.Reader
}

// Resolve keeps the request body for streaming.
func (in *UploadInput) Resolve(hctx huma.Context) []error {
	in.body = hctx.BodyReader()
	return nil
}

// ArtifactOutput is one artifact.
type ArtifactOutput struct{ Body *Evidence }

// ArtifactIDInput names one artifact.
type ArtifactIDInput struct {
	ID uuid.UUID `path:"id"`
}

// ArtifactListInput names an incident and a page of its artifacts.
type ArtifactListInput struct {
	ID     uuid.UUID `path:"id"`
	Cursor string    `query:"cursor" maxLength:"36" doc:"next_cursor of the previous page"`
	Limit  int       `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

// ArtifactListOutput is a page of artifacts.
type ArtifactListOutput struct {
	Body struct {
		Items      []Evidence `json:"items"`
		NextCursor string     `json:"next_cursor,omitempty"`
	}
}

// CustodyOutput is an artifact's custody log.
type CustodyOutput struct{ Body *CustodyLog }

// VerifyOutput is a verification's outcome.
type VerifyOutput struct{ Body VerifyResult }

// ManifestOutput is a signed manifest.
type ManifestOutput struct {
	ContentDisposition string `header:"Content-Disposition"`
	Body               *SignedManifest
}

// KeyOutput is the org's signing key.
type KeyOutput struct{ Body SigningKey }

// SettingsOutput is the org's evidence settings.
type SettingsOutput struct{ Body Settings }

// SettingsInput changes them.
type SettingsInput struct {
	Body struct {
		MaxSize int64 `json:"max_size_bytes" minimum:"1"`
	}
}

// Register adds the evidence operations.
func (a *API) Register(api huma.API) {
	read, manage := rbac.IncidentsRead, rbac.IncidentsManage
	tags := []string{"Evidence"}
	inc := httpapi.APIPrefix + "/incidents/{id}"
	one := httpapi.APIPrefix + "/evidence/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "upload-evidence", Method: http.MethodPost, Path: inc + "/evidence",
		Summary: "Collect an evidence file for an incident", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "The body is the file itself (raw, any content type, name in ?name=) or multipart/form-data with a `file` part. " +
			"It is streamed into the blob store up to the org's size limit (413 evidence_too_large beyond); the content type is sniffed, " +
			"the SHA-256 taken at collection and the first custody entry (collected, with client IP and user agent) written.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			// No schema: huma would read (buffer) a body it has a schema for.
			// The multipart form has a "file" part and optionally a
			// "description" part before it.
			"multipart/form-data": {},
		}}}, manage), a.upload)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-evidence", Method: http.MethodGet, Path: inc + "/evidence",
		Summary: "List an incident's evidence", Tags: tags}, read), a.list)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "export-evidence-manifest", Method: http.MethodGet, Path: inc + "/evidence-manifest",
		Summary: "Export the incident's signed evidence manifest", Tags: tags,
		Description: "Artifacts, SHA-256 digests and custody chains, signed with the org's Ed25519 key over the canonical JSON of `manifest`. " +
			"Records an `exported` custody entry per artifact. Verify offline with `securenexus evidence verify-manifest`."}, read), a.manifest)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-evidence", Method: http.MethodGet, Path: one,
		Summary: "Get an evidence artifact (records a viewed custody entry)", Tags: tags}, read), a.get)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "download-evidence", Method: http.MethodGet, Path: one + "/content",
		Summary: "Download an evidence artifact", Tags: tags,
		Description: "The content is re-hashed first: when it no longer matches the SHA-256 taken at collection the download is refused " +
			"(409 evidence_integrity_failed) and the failure recorded in the custody log, the audit log and as evidence.integrity_failed.v1. " +
			"Served as application/octet-stream attachment; X-Evidence-SHA256 carries the digest.",
		Responses: map[string]*huma.Response{"200": {Description: "The file", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}}, read), a.download)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-evidence-custody", Method: http.MethodGet, Path: one + "/custody",
		Summary: "An artifact's chain-of-custody log, with the chain checked", Tags: tags}, read), a.custody)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "verify-evidence", Method: http.MethodPost, Path: one + "/verify",
		Summary: "Re-hash an artifact now against its collection digest", Tags: tags}, manage), a.verify)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-evidence-signing-key", Method: http.MethodGet, Path: httpapi.APIPrefix + "/evidence-signing-key",
		Summary: "The org's Ed25519 public key that signs evidence manifests", Tags: tags}, read), a.key)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-evidence-settings", Method: http.MethodGet, Path: httpapi.APIPrefix + "/evidence-settings",
		Summary: "The org's evidence settings (upload size limit)", Tags: tags}, read), a.settings)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-evidence-settings", Method: http.MethodPut, Path: httpapi.APIPrefix + "/evidence-settings",
		Summary: "Set the org's upload size limit (at most the platform's)", Tags: tags}, rbac.AdminOrg), a.updateSettings)
}

func (a *API) upload(ctx context.Context, in *UploadInput) (*ArtifactOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	if in.body == nil {
		return nil, apperr.BadRequest("the request has no body")
	}
	up := Upload{Name: in.Name, Description: in.Description, DeclaredType: in.ContentType}
	body := in.body
	if mt, params, err := mime.ParseMediaType(in.ContentType); err == nil && mt == "multipart/form-data" {
		part, desc, err := filePart(multipart.NewReader(in.body, params["boundary"]))
		if err != nil {
			return nil, err
		}
		defer part.Close()
		up.Name, up.DeclaredType, body = part.FileName(), part.Header.Get("Content-Type"), part
		if desc != "" {
			up.Description = desc
		}
	}
	e, err := a.Store.Add(ctx, scope, in.ID, up, body)
	return &ArtifactOutput{Body: e}, err
}

// filePart returns the multipart body's "file" part, reading a
// "description" part (at most MaxDescriptionLen bytes) before it.
func filePart(mr *multipart.Reader) (*multipart.Part, string, error) {
	desc := ""
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", apperr.Validation("no file", apperr.Field("body.file", "a multipart upload needs a file part"))
		}
		if err != nil {
			return nil, "", apperr.BadRequest("malformed multipart body: " + err.Error())
		}
		switch p.FormName() {
		case "file":
			return p, desc, nil
		case "description":
			b, err := io.ReadAll(io.LimitReader(p, MaxDescriptionLen+1))
			p.Close()
			if err != nil || len(b) > MaxDescriptionLen {
				return nil, "", apperr.Validation("invalid description", apperr.Field("body.description", "at most 4000 bytes"))
			}
			desc = string(b)
		default:
			p.Close()
		}
	}
}

func (a *API) list(ctx context.Context, in *ArtifactListInput) (*ArtifactListOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	var after *uuid.UUID
	if in.Cursor != "" {
		u, err := uuid.Parse(in.Cursor)
		if err != nil {
			return nil, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "not a cursor returned by this API"))
		}
		after = &u
	}
	out := &ArtifactListOutput{}
	out.Body.Items, out.Body.NextCursor, err = a.Store.List(ctx, scope, in.ID, after, in.Limit)
	return out, err
}

func (a *API) get(ctx context.Context, in *ArtifactIDInput) (*ArtifactOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	e, err := a.Store.Get(ctx, scope, in.ID)
	return &ArtifactOutput{Body: e}, err
}

func (a *API) download(ctx context.Context, in *ArtifactIDInput) (*huma.StreamResponse, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	e, rc, err := a.Store.Download(ctx, scope, in.ID)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer rc.Close()
		hctx.SetHeader("Content-Type", "application/octet-stream")
		hctx.SetHeader("Content-Length", strconv.FormatInt(e.Size, 10))
		hctx.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.Name}))
		hctx.SetHeader("X-Evidence-SHA256", e.SHA256)
		hctx.SetHeader("Cache-Control", "no-store")
		w := httpapi.NewStream(hctx, 0)
		if _, err := io.Copy(w, rc); err != nil {
			// The status is sent: abort so the client sees a failed
			// transfer, never a silently altered file.
			a.Logger.ErrorContext(ctx, "evidence download aborted", slog.String("evidence", e.ID.String()), slog.Any("error", err))
			panic(http.ErrAbortHandler)
		}
	}}, nil
}

func (a *API) custody(ctx context.Context, in *ArtifactIDInput) (*CustodyOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	c, err := a.Store.Custody(ctx, scope, in.ID)
	return &CustodyOutput{Body: c}, err
}

func (a *API) verify(ctx context.Context, in *ArtifactIDInput) (*VerifyOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Store.Verify(ctx, scope, in.ID)
	return &VerifyOutput{Body: r}, err
}

func (a *API) manifest(ctx context.Context, in *ArtifactIDInput) (*ManifestOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	m, err := a.Store.ExportManifest(ctx, scope, in.ID)
	if err != nil {
		return nil, err
	}
	name := "evidence-manifest-" + strings.ToLower(in.ID.String()) + ".json"
	return &ManifestOutput{Body: m, ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": name})}, nil
}

func (a *API) key(ctx context.Context, _ *struct{}) (*KeyOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	k, err := a.Store.PublicKey(ctx, scope)
	return &KeyOutput{Body: k}, err
}

func (a *API) settings(ctx context.Context, _ *struct{}) (*SettingsOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.Store.Settings(ctx, scope)
	return &SettingsOutput{Body: st}, err
}

func (a *API) updateSettings(ctx context.Context, in *SettingsInput) (*SettingsOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.Store.SetMaxSize(ctx, scope, in.Body.MaxSize)
	return &SettingsOutput{Body: st}, err
}
