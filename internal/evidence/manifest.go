package evidence

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
)

// ManifestFormat names the manifest encoding.
const ManifestFormat = "securenexus-evidence-manifest/1"

// SigningKey is an org's public manifest signing key.
type SigningKey struct {
	Algorithm string    `json:"algorithm" enum:"ed25519"`
	KeyID     string    `json:"key_id" doc:"First 16 bytes of the SHA-256 of the public key, hex"`
	PublicKey string    `json:"public_key" doc:"Raw 32-byte Ed25519 public key, standard base64"`
	PEM       string    `json:"public_key_pem" doc:"The same key as a PEM SubjectPublicKeyInfo"`
	CreatedAt time.Time `json:"created_at"`
}

// Manifest lists an incident's artifacts with their digests and custody
// chains at the time it was generated.
type Manifest struct {
	Format      string             `json:"format"`
	OrgID       uuid.UUID          `json:"org_id"`
	IncidentID  uuid.UUID          `json:"incident_id"`
	GeneratedAt time.Time          `json:"generated_at"`
	GeneratedBy string             `json:"generated_by"`
	Artifacts   []ManifestArtifact `json:"artifacts"`
}

// ManifestArtifact is one artifact of a manifest.
type ManifestArtifact struct {
	ID          uuid.UUID      `json:"id"`
	Name        string         `json:"name"`
	ContentType string         `json:"content_type"`
	Size        int64          `json:"size"`
	SHA256      string         `json:"sha256"`
	CollectedAt time.Time      `json:"collected_at"`
	CollectedBy string         `json:"collected_by"`
	Integrity   string         `json:"integrity"`
	Custody     []CustodyEntry `json:"custody"`
}

// Signature is a manifest's detached signature.
type Signature struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key" doc:"The signer's public key (base64); compare it with the org's published key"`
	Value     string `json:"value" doc:"Ed25519 signature (base64) over the canonical JSON of manifest"`
}

// SignedManifest is what the export returns and verify-manifest reads.
// The signature covers audit.CanonicalJSON(manifest) (keys sorted, no
// insignificant space), so re-indenting the file does not break it.
type SignedManifest struct {
	Manifest  json.RawMessage `json:"manifest"`
	Signature Signature       `json:"signature"`
}

// KeyID is a public key's id: the hex of the first 16 bytes of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string { return keyID(pub) }

func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

func keyRef(org, row uuid.UUID) secrets.Ref {
	return secrets.Ref{Org: org, Table: "evidence_keys", Field: "signing_key", Row: row.String()}
}

// SealedColumns lists the columns sealed by the keyring (for secrets
// rotate).
func SealedColumns() []secrets.Column {
	return []secrets.Column{{Table: "evidence_keys", Column: "private_key_enc", Field: "signing_key", Key: "id", Org: "org_id"}}
}

// signer returns the org's key pair, creating it on first use.
func (s *Store) signer(ctx context.Context, scope tenant.Scope) (ed25519.PrivateKey, SigningKey, error) {
	var priv ed25519.PrivateKey
	var sk SigningKey
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var row, sealed string
		err := tx.QueryRowContext(ctx, `SELECT id, key_id, public_key, private_key_enc, created_at FROM evidence_keys WHERE org_id = $1`,
			scope.Org().String()).Scan(&row, &sk.KeyID, &sk.PublicKey, &sealed, &sk.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			pub, p, gerr := ed25519.GenerateKey(rand.Reader)
			if gerr != nil {
				return fmt.Errorf("evidence: generate signing key: %w", gerr)
			}
			id := newID()
			sealedSeed, serr := s.Keys.Seal(keyRef(scope.Org(), id), p.Seed())
			if serr != nil {
				return fmt.Errorf("evidence: seal signing key: %w", serr)
			}
			sk = SigningKey{KeyID: keyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub), CreatedAt: s.now()}
			if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_keys (org_id, id, key_id, public_key, private_key_enc, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, scope.Org().String(), id.String(), sk.KeyID, sk.PublicKey, sealedSeed, sk.CreatedAt); err != nil {
				return fmt.Errorf("evidence: store signing key: %w", err)
			}
			if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "evidence.signing_key_create",
				TargetType: "evidence_signing_key", TargetID: sk.KeyID}); err != nil {
				return err
			}
			priv = p
			return nil
		}
		if err != nil {
			return fmt.Errorf("evidence: load signing key: %w", err)
		}
		rowID, err := uuid.Parse(row)
		if err != nil {
			return fmt.Errorf("evidence: stored signing key id: %w", err)
		}
		seed, err := s.Keys.Open(keyRef(scope.Org(), rowID), sealed)
		if err != nil {
			return fmt.Errorf("evidence: open signing key: %w", err)
		}
		if len(seed) != ed25519.SeedSize {
			return errors.New("evidence: stored signing key has the wrong length")
		}
		priv = ed25519.NewKeyFromSeed(seed)
		return nil
	})
	if err != nil {
		return nil, SigningKey{}, err
	}
	sk.Algorithm = "ed25519"
	sk.CreatedAt = sk.CreatedAt.UTC()
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, SigningKey{}, fmt.Errorf("evidence: encode public key: %w", err)
	}
	sk.PEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	return priv, sk, nil
}

// PublicKey returns the org's manifest signing key (created on first use).
func (s *Store) PublicKey(ctx context.Context, scope tenant.Scope) (SigningKey, error) {
	_, sk, err := s.signer(ctx, scope)
	return sk, err
}

// ExportManifest builds and signs the incident's evidence manifest and
// records an "exported" custody entry for every artifact in it (the
// manifest shows the chains as they were just before).
func (s *Store) ExportManifest(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID) (*SignedManifest, error) {
	return s.ExportManifestFor(ctx, scope, incidentID, "")
}

// ExportManifestFor is ExportManifest for a purpose (for example
// "incident_report"), recorded in each exported custody entry's details
// when not empty. It joins the caller's transaction when ctx carries one.
func (s *Store) ExportManifestFor(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID, purpose string) (*SignedManifest, error) {
	if err := s.Incidents.Exists(ctx, scope, incidentID); err != nil {
		return nil, err
	}
	priv, sk, err := s.signer(ctx, scope)
	if err != nil {
		return nil, err
	}
	m := Manifest{Format: ManifestFormat, OrgID: scope.Org(), IncidentID: incidentID, GeneratedAt: s.now(), GeneratedBy: scope.Actor(),
		Artifacts: []ManifestArtifact{}}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE org_id = $1 AND incident_id = $2 ORDER BY id`,
			scope.Org().String(), incidentID.String())
		if err != nil {
			return fmt.Errorf("evidence: manifest artifacts: %w", err)
		}
		var all []*Evidence
		for rows.Next() {
			e, err := scanEvidence(rows)
			if err != nil {
				rows.Close()
				return err
			}
			all = append(all, e)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, e := range all {
			locked, err := s.load(ctx, tx, scope, e.ID, true)
			if err != nil {
				return err
			}
			chain, err := custodyOf(ctx, tx, scope, e.ID)
			if err != nil {
				return err
			}
			m.Artifacts = append(m.Artifacts, ManifestArtifact{ID: e.ID, Name: e.Name, ContentType: e.ContentType, Size: e.Size,
				SHA256: e.SHA256, CollectedAt: e.CollectedAt, CollectedBy: e.CollectedBy, Integrity: locked.Integrity, Custody: chain})
			details := map[string]any{"manifest_key_id": sk.KeyID}
			if purpose != "" {
				details["purpose"] = purpose
			}
			if _, err := s.custody(ctx, tx, scope, locked, ActionExported, audit.OutcomeSuccess, details); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("evidence: encode manifest: %w", err)
	}
	canon, err := audit.CanonicalJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("evidence: canonical manifest: %w", err)
	}
	return &SignedManifest{Manifest: canon, Signature: Signature{Algorithm: "ed25519", KeyID: sk.KeyID, PublicKey: sk.PublicKey,
		Value: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, canon))}}, nil
}

// ManifestReport is the outcome of VerifyManifest.
type ManifestReport struct {
	Manifest Manifest
	KeyID    string
	// KeyPinned is true when the signature was checked against a key the
	// caller supplied (not only the one embedded in the file).
	KeyPinned bool
}

// ParsePublicKey reads an Ed25519 public key given as standard base64 of
// the 32 raw bytes, a PEM SubjectPublicKeyInfo, or the JSON the signing
// key endpoint returns.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var sk SigningKey
		if err := json.Unmarshal([]byte(s), &sk); err != nil {
			return nil, fmt.Errorf("evidence: public key JSON: %w", err)
		}
		s = sk.PublicKey
	}
	if strings.HasPrefix(s, "-----BEGIN") {
		b, _ := pem.Decode([]byte(s))
		if b == nil {
			return nil, errors.New("evidence: public key PEM does not parse")
		}
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("evidence: public key PEM: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, errors.New("evidence: the PEM key is not an Ed25519 key")
		}
		return pub, nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("evidence: public key is not base64 of 32 bytes, PEM or the signing key JSON")
	}
	return ed25519.PublicKey(raw), nil
}

// VerifyManifest checks a signed manifest offline: the signature over the
// canonical manifest (against pinned when given, else the embedded key),
// the format, and every artifact's custody chain. Any failure is an error
// naming what broke.
func VerifyManifest(data []byte, pinned ed25519.PublicKey) (*ManifestReport, error) {
	var sm SignedManifest
	if err := json.Unmarshal(data, &sm); err != nil {
		return nil, fmt.Errorf("manifest does not parse: %w", err)
	}
	if sm.Signature.Algorithm != "ed25519" {
		return nil, fmt.Errorf("unsupported signature algorithm %q", sm.Signature.Algorithm)
	}
	embedded, err := ParsePublicKey(sm.Signature.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("embedded public key: %w", err)
	}
	if keyID(embedded) != sm.Signature.KeyID {
		return nil, errors.New("the signature's key id does not match its public key")
	}
	key := embedded
	if pinned != nil {
		if !pinned.Equal(embedded) {
			return nil, fmt.Errorf("signed by key %s, not by the given public key %s", sm.Signature.KeyID, keyID(pinned))
		}
		key = pinned
	}
	sig, err := base64.StdEncoding.DecodeString(sm.Signature.Value)
	if err != nil {
		return nil, errors.New("signature value is not base64")
	}
	canon, err := audit.CanonicalJSON(sm.Manifest)
	if err != nil {
		return nil, fmt.Errorf("manifest body: %w", err)
	}
	if !ed25519.Verify(key, canon, sig) {
		return nil, errors.New("signature does not match the manifest: it was changed after signing or signed by another key")
	}
	var m Manifest
	if err := json.Unmarshal(canon, &m); err != nil {
		return nil, fmt.Errorf("manifest body does not parse: %w", err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("unknown manifest format %q", m.Format)
	}
	for _, a := range m.Artifacts {
		if at, why := VerifyCustody(a.Custody); at != 0 {
			return nil, fmt.Errorf("artifact %s: custody entry %d: %s", a.ID, at, why)
		}
		if len(a.Custody) == 0 || a.Custody[0].Action != ActionCollected {
			return nil, fmt.Errorf("artifact %s: custody chain does not start with its collection", a.ID)
		}
	}
	return &ManifestReport{Manifest: m, KeyID: sm.Signature.KeyID, KeyPinned: pinned != nil}, nil
}
