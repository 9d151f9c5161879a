package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/evidence"
)

// signedManifest signs a manifest the way the server does (the server
// path itself is tested in internal/evidence).
func signedManifest(t *testing.T, priv ed25519.PrivateKey, m evidence.Manifest) []byte {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := audit.CanonicalJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	out, err := json.MarshalIndent(evidence.SignedManifest{Manifest: canon, Signature: evidence.Signature{Algorithm: "ed25519",
		KeyID: evidence.KeyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub),
		Value: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, canon))}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEvidenceVerifyManifestCommand(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ev, org := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	first := evidence.CustodyEntry{EvidenceID: ev, OrgID: org, Seq: 1, At: time.Now().UTC().Truncate(time.Microsecond), Actor: "user:x",
		Action: evidence.ActionCollected, Details: json.RawMessage(`{}`)}
	var err error
	if first.Hash, err = evidence.CustodyHash(first); err != nil {
		t.Fatal(err)
	}
	m := evidence.Manifest{Format: evidence.ManifestFormat, OrgID: org, IncidentID: uuid.Must(uuid.NewV7()), GeneratedAt: time.Now().UTC(),
		GeneratedBy: "user:x", Artifacts: []evidence.ManifestArtifact{{ID: ev, Name: "a.txt", Size: 1, SHA256: strings.Repeat("a", 64),
			Integrity: "ok", Custody: []evidence.CustodyEntry{first}}}}
	dir := t.TempDir()
	good := filepath.Join(dir, "manifest.json")
	data := signedManifest(t, priv, m)
	if err := os.WriteFile(good, data, 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(pub)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		root := newRootCmd()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(args)
		err := root.Execute()
		return out.String(), err
	}
	out, err := run("evidence", "verify-manifest", good, "--public-key", "@"+keyFile)
	if err != nil || !strings.Contains(out, "manifest OK") || !strings.Contains(out, "a.txt") || strings.Contains(out, "note:") {
		t.Fatalf("verify-manifest: %v\n%s", err, out)
	}
	if out, err := run("evidence", "verify-manifest", good); err != nil || !strings.Contains(out, "note:") {
		t.Fatalf("verify-manifest without a key: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, bytes.Replace(data, []byte(`a.txt`), []byte(`b.txt`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run("evidence", "verify-manifest", bad, "--public-key", "@"+keyFile); err == nil || !strings.Contains(err.Error(), "FAILED") {
		t.Fatalf("a modified manifest verified: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := run("evidence", "verify-manifest", good, "--public-key", base64.StdEncoding.EncodeToString(other)); err == nil {
		t.Fatal("verified against another key")
	}
}
