package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/platform"
)

// PermRead is the permission to list and export an org's audit log.
const PermRead = "audit:read"

// LogEntry is an entry as the API lists it and the NDJSON export writes it
// (one per line): every hashed field, so an export can be verified
// offline. The entry is identified by its chain (org_id) and seq; the
// database row id is one platform-wide sequence and is not exposed, so an
// org cannot read the platform's audit volume from its own entries.
type LogEntry struct {
	OrgID      string          `json:"org_id" doc:"Org the entry belongs to; empty for the platform chain"`
	Seq        int64           `json:"seq" doc:"Position in the org's chain, from 1"`
	OccurredAt time.Time       `json:"occurred_at" doc:"When it was recorded (UTC, microseconds)"`
	Actor      string          `json:"actor" doc:"user:<id>, apikey:<id>, system:<reason> or anonymous"`
	Action     string          `json:"action" doc:"Dotted verb, e.g. alert.update"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Outcome    string          `json:"outcome" enum:"success,failure,denied"`
	RequestID  string          `json:"request_id"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	Details    json.RawMessage `json:"details" doc:"Action-specific fields (canonical JSON)"`
	PrevHash   string          `json:"prev_hash" doc:"Hash of the previous entry of the chain (64 zeros for the first)"`
	Hash       string          `json:"hash" doc:"SHA-256 of this entry's canonical encoding (docs/security.md)"`
}

// LogEntryOf converts a stored entry.
func LogEntryOf(s Stored) LogEntry {
	org := ""
	if s.OrgID != uuid.Nil {
		org = s.OrgID.String()
	}
	return LogEntry{
		OrgID: org, Seq: s.Seq, OccurredAt: s.OccurredAt.UTC(), Actor: s.Actor, Action: s.Action,
		TargetType: s.TargetType, TargetID: s.TargetID, Outcome: string(s.Outcome), RequestID: s.RequestID,
		IP: s.IP, UserAgent: s.UserAgent, Details: s.Details, PrevHash: s.PrevHash, Hash: s.Hash,
	}
}

// stored converts an exported entry back (for offline verification).
func (le LogEntry) stored() (Stored, error) {
	org := uuid.Nil
	if le.OrgID != "" {
		var err error
		if org, err = uuid.Parse(le.OrgID); err != nil {
			return Stored{}, fmt.Errorf("org_id %q: %w", le.OrgID, err)
		}
	}
	details, err := CanonicalJSON(le.Details)
	if err != nil {
		return Stored{}, err
	}
	return Stored{
		Seq: le.Seq, OccurredAt: le.OccurredAt.UTC(), PrevHash: le.PrevHash, Hash: le.Hash,
		Entry: Entry{
			OrgID: org, Actor: le.Actor, Action: le.Action, TargetType: le.TargetType, TargetID: le.TargetID,
			Outcome: Outcome(le.Outcome), RequestID: le.RequestID, IP: le.IP, UserAgent: le.UserAgent, Details: details,
		},
	}, nil
}

// Register adds the audit log operations.
func Register(_ context.Context, p *platform.Platform) error {
	h := &handlers{db: p.DB, log: p.Logger}
	huma.Register(p.Server.API, httpapi.Protected(huma.Operation{
		OperationID: "list-audit-entries",
		Method:      http.MethodGet,
		Path:        httpapi.APIPrefix + "/audit",
		Summary:     "List the org's audit log, newest first",
		Description: "Cursor-paged: pass `next_cursor` back as `cursor` for the next (older) page.",
		Tags:        []string{"Audit"},
	}, PermRead), h.list)
	huma.Register(p.Server.API, httpapi.Protected(huma.Operation{
		OperationID: "export-audit-log",
		Method:      http.MethodGet,
		Path:        httpapi.APIPrefix + "/audit/export",
		Summary:     "Export the org's whole audit chain as NDJSON",
		Description: "Streams one JSON entry per line in chain order (oldest first), with `prev_hash` and `hash`, so the export can be verified offline. The export itself is audited (`audit.export`).",
		Tags:        []string{"Audit"},
		Responses: map[string]*huma.Response{
			"200": {
				Description: "One audit entry per line",
				Content:     map[string]*huma.MediaType{"application/x-ndjson": {Schema: &huma.Schema{Type: "string"}}},
			},
		},
	}, PermRead), h.export)
	return nil
}

type handlers struct {
	db  *db.DB
	log *slog.Logger
}

type listInput struct {
	Cursor     string    `query:"cursor" maxLength:"64" doc:"Opaque cursor: next_cursor of the previous page"`
	Limit      int       `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Page size"`
	Actor      string    `query:"actor" maxLength:"200" doc:"Exact actor, e.g. user:<id>"`
	Action     string    `query:"action" maxLength:"200" doc:"Action prefix, e.g. alert. or alert.update"`
	TargetType string    `query:"target_type" maxLength:"200"`
	TargetID   string    `query:"target_id" maxLength:"500"`
	Outcome    string    `query:"outcome" enum:"success,failure,denied"`
	Since      time.Time `query:"since" doc:"Entries recorded at or after (RFC 3339)"`
	Until      time.Time `query:"until" doc:"Entries recorded before (RFC 3339)"`
}

// LogPage is one page of the audit log listing. (Named types keep the
// OpenAPI schema names unique across modules.)
type LogPage struct {
	Items      []LogEntry `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listOutput struct {
	Body LogPage
}

// cursorKind tags the audit list's cursors (the key is the chain
// position of the last entry listed).
const cursorKind = "audit"

func (h *handlers) list(ctx context.Context, in *listInput) (*listOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	f := Filter{
		Actor: in.Actor, ActionPrefix: in.Action, TargetType: in.TargetType, TargetID: in.TargetID,
		Outcome: Outcome(in.Outcome), Since: in.Since, Until: in.Until, Limit: in.Limit,
	}
	if in.Cursor != "" {
		if f.BeforeSeq, err = page.Decode[int64](cursorKind, in.Cursor); err != nil {
			return nil, err
		}
		if f.BeforeSeq < 1 {
			return nil, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "is not a cursor returned by this list"))
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return nil, apperr.Validation("invalid time range", apperr.Field("query.until", "must be after since"))
	}
	pg, err := List(ctx, h.db, scope, f)
	if err != nil {
		return nil, err
	}
	out := &listOutput{}
	out.Body.Items = make([]LogEntry, 0, len(pg.Entries))
	for _, s := range pg.Entries {
		out.Body.Items = append(out.Body.Items, LogEntryOf(s))
	}
	if pg.NextBeforeSeq > 0 {
		out.Body.NextCursor = page.Encode(cursorKind, pg.NextBeforeSeq)
	}
	return out, nil
}

func (h *handlers) export(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	// Audit the export before streaming: who took a copy of the log.
	if err := Log(ctx, h.db, Entry{OrgID: scope.Org(), Action: "audit.export", TargetType: "audit_log"}); err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", "application/x-ndjson")
		hctx.SetHeader("Cache-Control", "no-store")
		hctx.SetHeader("Content-Disposition", `attachment; filename="audit-`+scope.Org().String()+`.ndjson"`)
		// A long export outlives the server's write timeout: the stream
		// pushes the deadline forward as long as the client keeps reading.
		w := httpapi.NewStream(hctx, 0)
		n, err := WriteNDJSON(ctx, w, func(fn func(Stored) error) error { return EachInOrg(ctx, h.db, scope, fn) })
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			// The status is sent; abort the connection so the client sees
			// a failed transfer, never a silently truncated log.
			h.log.ErrorContext(ctx, "audit export failed", slog.Int64("entries_written", n), slog.Any("error", err))
			panic(http.ErrAbortHandler)
		}
	}}, nil
}

// WriteNDJSON writes every entry each yields to w, one JSON object per
// line, flushing every batch when w can flush (an *httpapi.Stream or a
// *bufio.Writer). It returns how many entries it wrote.
func WriteNDJSON(ctx context.Context, w io.Writer, each func(func(Stored) error) error) (int64, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var n int64
	fl, _ := w.(interface{ Flush() error })
	err := each(func(s Stored) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := enc.Encode(LogEntryOf(s)); err != nil {
			return fmt.Errorf("audit: write export: %w", err)
		}
		n++
		if fl != nil && n%exportBatch == 0 {
			if err := fl.Flush(); err != nil {
				return fmt.Errorf("audit: flush export: %w", err)
			}
		}
		return nil
	})
	return n, err
}
