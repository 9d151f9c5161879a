// Package evidence keeps files attached to incidents with a chain of
// custody (docs/evidence.md). An upload streams into the blob store with a
// per-org size limit; its SHA-256 is taken at collection and checked again
// before every download and by a periodic job, and a mismatch refuses the
// download and is recorded. Every collection, view, download, export and
// verification appends an entry to the artifact's hash-chained custody log
// and to the audit log. An incident's evidence manifest (artifacts, hashes,
// custody) is signed with the org's Ed25519 key and verifies offline
// (`securenexus evidence verify-manifest`).
package evidence

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Incidents tells whether an incident belongs to the scope's org (the
// incident module, through a facade wired in internal/app).
type Incidents interface {
	// Exists returns nil when the incident is the scope's, an
	// apperr not-found error when it is not.
	Exists(ctx context.Context, scope tenant.Scope, id uuid.UUID) error
}

// Integrity states of an artifact.
const (
	IntegrityOK     = "ok"
	IntegrityFailed = "failed"
)

// Custody actions.
const (
	ActionCollected       = "collected"
	ActionViewed          = "viewed"
	ActionDownloaded      = "downloaded"
	ActionExported        = "exported"
	ActionVerified        = "verified"
	ActionIntegrityFailed = "integrity_failed"
)

// CodeIntegrityFailed is the problem code of a download refused because
// the stored content no longer matches its collection digest.
const CodeIntegrityFailed = "evidence_integrity_failed"

// Evidence is one artifact.
type Evidence struct {
	ID          uuid.UUID `json:"id"`
	IncidentID  uuid.UUID `json:"incident_id"`
	Name        string    `json:"name" doc:"Original file name, sanitized"`
	ContentType string    `json:"content_type" doc:"Sniffed from the first 512 bytes (http.DetectContentType)"`
	// DeclaredType is what the uploader claimed.
	DeclaredType       string     `json:"declared_content_type" doc:"Content type the uploader declared"`
	Size               int64      `json:"size"`
	SHA256             string     `json:"sha256" doc:"Hex SHA-256 taken at collection"`
	Description        string     `json:"description"`
	CollectedBy        string     `json:"collected_by"`
	CollectedAt        time.Time  `json:"collected_at"`
	CollectedIP        string     `json:"collected_ip"`
	CollectedUserAgent string     `json:"collected_user_agent"`
	Integrity          string     `json:"integrity" enum:"ok,failed" doc:"failed once a check found the content changed"`
	LastVerifiedAt     *time.Time `json:"last_verified_at,omitempty"`
	CustodyEntries     int64      `json:"custody_entries"`

	blobKey string
}

// Store reads and writes evidence.
type Store struct {
	DB        *db.DB
	Blob      blob.Store
	Keys      *secrets.Keyring
	Incidents Incidents
	// MaxSize is the platform limit of one upload; an org may set a lower
	// one (evidence settings).
	MaxSize int64
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Store) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Upload describes an artifact being collected.
type Upload struct {
	Name         string
	Description  string
	DeclaredType string
}

// MaxNameLen and MaxDescriptionLen bound the text fields (bytes).
const (
	MaxNameLen        = 255
	MaxDescriptionLen = 4000
)

// SanitizeName makes an uploaded file name safe to store and to send back
// in Content-Disposition: the last path element, control characters,
// quotes and path separators replaced, invalid UTF-8 dropped, trimmed of
// spaces and dots, at most MaxNameLen bytes; "evidence.bin" when nothing
// is left.
func SanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "") {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune(`"<>:|?*;`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.Trim(b.String(), " .")
	for len(out) > MaxNameLen {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	if out == "" {
		return "evidence.bin"
	}
	return out
}

// limit returns the org's upload limit.
func (s *Store) limit(ctx context.Context, scope tenant.Scope) (int64, error) {
	st, err := s.Settings(ctx, scope)
	if err != nil {
		return 0, err
	}
	return st.MaxSize, nil
}

// Add collects an artifact for an incident of the scope's org: r is
// streamed into the blob store (never buffered whole), its type sniffed
// from the first 512 bytes, its SHA-256 taken while writing; the row, the
// first custody entry, the audit entry and evidence.added.v1 commit
// together (the blob is removed again when they do not).
func (s *Store) Add(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID, up Upload, r io.Reader) (*Evidence, error) {
	if err := s.Incidents.Exists(ctx, scope, incidentID); err != nil {
		return nil, err
	}
	if len(up.Description) > MaxDescriptionLen || !utf8.ValidString(up.Description) || strings.ContainsRune(up.Description, 0) {
		return nil, apperr.Validation("invalid description", apperr.Field("query.description", fmt.Sprintf("at most %d bytes of UTF-8 text", MaxDescriptionLen)))
	}
	max, err := s.limit(ctx, scope)
	if err != nil {
		return nil, err
	}
	id := newID()
	key, err := blob.OrgKey(scope.Org().String(), "evidence", id.String())
	if err != nil {
		return nil, fmt.Errorf("evidence: blob key: %w", err)
	}
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, apperr.BadRequest("cannot read the upload: " + err.Error())
	}
	info, err := s.Blob.Put(ctx, key, br, blob.PutOptions{MaxSize: max, ContentType: "application/octet-stream"})
	if err != nil {
		if errors.Is(err, blob.ErrTooLarge) {
			return nil, apperr.TooLarge(fmt.Sprintf("evidence exceeds this organization's limit of %d bytes", max)).WithCode("evidence_too_large")
		}
		return nil, fmt.Errorf("evidence: store upload: %w", err)
	}
	declared := up.DeclaredType
	if len(declared) > 200 || !utf8.ValidString(declared) {
		declared = ""
	}
	now := s.now()
	e := &Evidence{
		ID: id, IncidentID: incidentID, Name: SanitizeName(up.Name), ContentType: http.DetectContentType(head),
		DeclaredType: declared, Size: info.Size, SHA256: info.SHA256, Description: up.Description,
		CollectedBy: scope.Actor(), CollectedAt: now, CollectedIP: httpapi.ClientIP(ctx), CollectedUserAgent: clip(httpapi.UserAgent(ctx), 512),
		Integrity: IntegrityOK, LastVerifiedAt: &now, blobKey: key,
	}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evidence (id, org_id, incident_id, name, content_type, declared_type, size, sha256, blob_key,
 description, collected_by, collected_at, collected_ip, collected_user_agent, integrity, last_verified_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			e.ID.String(), scope.Org().String(), e.IncidentID.String(), e.Name, e.ContentType, e.DeclaredType, e.Size, e.SHA256, key,
			e.Description, e.CollectedBy, now, e.CollectedIP, e.CollectedUserAgent, e.Integrity, now); err != nil {
			return fmt.Errorf("evidence: insert: %w", err)
		}
		if _, err := s.custody(ctx, tx, scope, e, ActionCollected, audit.OutcomeSuccess, map[string]any{
			"name": e.Name, "size": e.Size, "sha256": e.SHA256, "content_type": e.ContentType}); err != nil {
			return err
		}
		e.CustodyEntries = 1
		return s.emit(ctx, tx, scope, EventAdded, e, "")
	})
	if err != nil {
		if derr := s.Blob.Delete(context.WithoutCancel(ctx), key); derr != nil {
			s.logger().ErrorContext(ctx, "evidence: remove the blob of a failed upload", slog.String("key", key), slog.Any("error", derr))
		}
		return nil, err
	}
	return e, nil
}

const evidenceCols = `id, incident_id, name, content_type, declared_type, size, sha256, blob_key, description, collected_by, collected_at,
 collected_ip, collected_user_agent, integrity, last_verified_at, custody_seq`

type scanner interface{ Scan(dest ...any) error }

func scanEvidence(sc scanner) (*Evidence, error) {
	var e Evidence
	var id, inc string
	var verified sql.NullTime
	if err := sc.Scan(&id, &inc, &e.Name, &e.ContentType, &e.DeclaredType, &e.Size, &e.SHA256, &e.blobKey, &e.Description,
		&e.CollectedBy, &e.CollectedAt, &e.CollectedIP, &e.CollectedUserAgent, &e.Integrity, &verified, &e.CustodyEntries); err != nil {
		return nil, err
	}
	var err error
	if e.ID, err = uuid.Parse(id); err != nil {
		return nil, fmt.Errorf("evidence: stored id: %w", err)
	}
	if e.IncidentID, err = uuid.Parse(inc); err != nil {
		return nil, fmt.Errorf("evidence: stored incident id: %w", err)
	}
	e.CollectedAt = e.CollectedAt.UTC()
	if verified.Valid {
		t := verified.Time.UTC()
		e.LastVerifiedAt = &t
	}
	return &e, nil
}

func (s *Store) load(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, lock bool) (*Evidence, error) {
	q := `SELECT ` + evidenceCols + ` FROM evidence WHERE org_id = $1 AND id = $2`
	if lock && tx.Dialect == db.Postgres && !tx.ReadOnly {
		q += " FOR UPDATE"
	}
	e, err := scanEvidence(tx.QueryRowContext(ctx, q, scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("evidence")
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: load: %w", err)
	}
	return e, nil
}

// Get returns one artifact and records that the caller viewed it.
func (s *Store) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Evidence, error) {
	var out *Evidence
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		e, err := s.load(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if _, err := s.custody(ctx, tx, scope, e, ActionViewed, audit.OutcomeSuccess, nil); err != nil {
			return err
		}
		e.CustodyEntries++
		out = e
		return nil
	})
	return out, err
}

// List returns an incident's artifacts in collection order, after the
// artifact id after (keyset), at most limit.
func (s *Store) List(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID, after *uuid.UUID, limit int) ([]Evidence, string, error) {
	if err := s.Incidents.Exists(ctx, scope, incidentID); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []Evidence{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		cur := uuid.Nil.String()
		if after != nil {
			cur = after.String()
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE org_id = $1 AND incident_id = $2 AND id > $3
ORDER BY id LIMIT $4`, scope.Org().String(), incidentID.String(), cur, limit+1)
		if err != nil {
			return fmt.Errorf("evidence: list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvidence(rows)
			if err != nil {
				return err
			}
			out = append(out, *e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID.String()
	}
	return out, next, nil
}

// Download checks the artifact's content against its collection digest
// and, when it matches, records the download and returns the content. The
// returned reader hashes what it yields: at EOF it fails with
// ErrIntegrity (and records the failure) if the content changed between
// the check and the transfer. A mismatch before the transfer refuses the
// download: a 409 problem with code evidence_integrity_failed, recorded in
// the custody log, the audit log and as evidence.integrity_failed.v1.
func (s *Store) Download(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Evidence, io.ReadCloser, error) {
	var e *Evidence
	if err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) (err error) {
		e, err = s.load(ctx, tx, scope, id, false)
		return err
	}); err != nil {
		return nil, nil, err
	}
	if ok, why, err := s.check(ctx, e); err != nil {
		return nil, nil, err
	} else if !ok {
		if err := s.fail(ctx, scope, e, ActionDownloaded, why); err != nil {
			return nil, nil, err
		}
		return nil, nil, integrityError()
	}
	if err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		locked, err := s.load(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		_, err = s.custody(ctx, tx, scope, locked, ActionDownloaded, audit.OutcomeSuccess, map[string]any{"sha256": e.SHA256})
		return err
	}); err != nil {
		return nil, nil, err
	}
	rc, err := s.Blob.Open(ctx, e.blobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: open content: %w", err)
	}
	return e, &verifyingReader{rc: rc, h: sha256.New(), want: e.SHA256, onMismatch: func() {
		if err := s.fail(context.WithoutCancel(ctx), scope, e, ActionDownloaded, "content changed during the transfer"); err != nil {
			s.logger().ErrorContext(ctx, "evidence: record an integrity failure", slog.String("evidence", e.ID.String()), slog.Any("error", err))
		}
	}}, nil
}

// ErrIntegrity is returned by a download's reader when the content it
// yielded does not match the collection digest.
var ErrIntegrity = errors.New("evidence: integrity check failed: content does not match its collection digest")

func integrityError() error {
	return apperr.Conflict("evidence integrity check failed: the stored content does not match the SHA-256 taken at collection; the download is refused").WithCode(CodeIntegrityFailed)
}

type verifyingReader struct {
	rc         io.ReadCloser
	h          hash.Hash
	want       string
	done       bool
	onMismatch func()
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	_, _ = v.h.Write(p[:n]) // a hash.Hash never fails
	if errors.Is(err, io.EOF) && !v.done {
		v.done = true
		if hex.EncodeToString(v.h.Sum(nil)) != v.want {
			v.onMismatch()
			return n, ErrIntegrity
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }

// check hashes the stored content and compares it with the collection
// digest; why explains a mismatch.
func (s *Store) check(ctx context.Context, e *Evidence) (ok bool, why string, err error) {
	rc, err := s.Blob.Open(ctx, e.blobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return false, "content missing from the blob store", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("evidence: open content: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return false, "", fmt.Errorf("evidence: read content: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != e.SHA256 {
		return false, fmt.Sprintf("sha256 %s (%d bytes) differs from %s (%d bytes) taken at collection", got, n, e.SHA256, e.Size), nil
	}
	return true, "", nil
}

// fail records an integrity failure found while doing action: custody and
// audit entries (outcome failure), the artifact marked failed, and
// evidence.integrity_failed.v1.
func (s *Store) fail(ctx context.Context, scope tenant.Scope, e *Evidence, during, why string) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		locked, err := s.load(ctx, tx, scope, e.ID, true)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE evidence SET integrity = 'failed', last_verified_at = $1 WHERE org_id = $2 AND id = $3`,
			now, scope.Org().String(), e.ID.String()); err != nil {
			return fmt.Errorf("evidence: mark failed: %w", err)
		}
		if _, err := s.custody(ctx, tx, scope, locked, ActionIntegrityFailed, audit.OutcomeFailure, map[string]any{
			"during": during, "reason": why, "expected_sha256": e.SHA256}); err != nil {
			return err
		}
		return s.emit(ctx, tx, scope, EventIntegrityFailed, locked, why)
	})
}

// VerifyResult is the outcome of one re-verification.
type VerifyResult struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// Verify re-hashes the artifact's content now and records the outcome
// (verified, or an integrity failure).
func (s *Store) Verify(ctx context.Context, scope tenant.Scope, id uuid.UUID) (VerifyResult, error) {
	var e *Evidence
	if err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) (err error) {
		e, err = s.load(ctx, tx, scope, id, false)
		return err
	}); err != nil {
		return VerifyResult{}, err
	}
	ok, why, err := s.check(ctx, e)
	if err != nil {
		return VerifyResult{}, err
	}
	if !ok {
		return VerifyResult{Reason: why}, s.fail(ctx, scope, e, ActionVerified, why)
	}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		locked, err := s.load(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evidence SET last_verified_at = $1 WHERE org_id = $2 AND id = $3`,
			s.now(), scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("evidence: mark verified: %w", err)
		}
		_, err = s.custody(ctx, tx, scope, locked, ActionVerified, audit.OutcomeSuccess, map[string]any{"sha256": e.SHA256})
		return err
	})
	return VerifyResult{OK: true}, err
}

// EventV1 is the payload of the evidence.*.v1 events.
type EventV1 struct {
	EvidenceID uuid.UUID `json:"evidence_id"`
	IncidentID uuid.UUID `json:"incident_id"`
	Name       string    `json:"name"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Reason     string    `json:"reason,omitempty"`
}

func (s *Store) emit(ctx context.Context, tx *db.Tx, scope tenant.Scope, def events.Def[EventV1], e *Evidence, reason string) error {
	if _, err := events.Append(ctx, tx, scope, def, events.Subject("incident", e.IncidentID), EventV1{
		EvidenceID: e.ID, IncidentID: e.IncidentID, Name: e.Name, SHA256: e.SHA256, Size: e.Size, Reason: reason}); err != nil {
		return fmt.Errorf("evidence: emit %s: %w", def.Kind(), err)
	}
	return nil
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

func encodeDetails(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage(`{}`), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("evidence: encode details: %w", err)
	}
	return audit.CanonicalJSON(b)
}
