package secrets_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// webhookSecret opens a source's current secret with k.
func webhookSecret(t *testing.T, d *db.DB, k *secrets.Keyring, org, id uuid.UUID) string {
	t.Helper()
	var sealed []byte
	err := d.ReadInOrg(context.Background(), tenant.System(org, "test"), func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT secret_enc FROM alert_sources WHERE id = $1`, id.String()).Scan(&sealed)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := k.Open(secrets.Ref{Org: org, Table: "alert_sources", Field: "webhook_secret", Row: id.String()}, string(sealed))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

var (
	oldKey = []byte("old-key-0123456789abcdef0123456789abcdef")
	newKey = []byte("new-key-0123456789abcdef0123456789abcdef")
)

// fixture is sealed data in two orgs: webhook sources (one rotated, so
// both secret columns are filled), an OIDC configuration per org and a
// user with a pending TOTP seed, all sealed under oldKey.
type fixture struct {
	orgs    []uuid.UUID
	sources map[uuid.UUID]string // source id -> plaintext secret
	srcOrg  map[uuid.UUID]uuid.UUID
	oidc    map[uuid.UUID]string // org -> client secret
	user    uuid.UUID
	seed    string
}

func seed(t *testing.T, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	old := secrets.MustKeyring(oldKey)
	f := fixture{sources: map[uuid.UUID]string{}, srcOrg: map[uuid.UUID]uuid.UUID{}, oidc: map[uuid.UUID]string{}}
	ist, err := identity.NewStore(d, old)
	if err != nil {
		t.Fatal(err)
	}
	src := ingest.NewStore(d, old)
	for _, name := range []string{"A", "B"} {
		org := identitytest.NewOrg(t, d, name)
		f.orgs = append(f.orgs, org)
		scope := tenant.System(org, "test")
		for i := range 5 {
			s, secret, err := src.CreateSource(ctx, scope, ingest.SourceConfigInput{Name: fmt.Sprintf("hook %d", i), Kind: ingest.KindWebhook})
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if _, secret, err = src.RotateSecret(ctx, scope, s.ID, ingest.DefaultSecretGrace, s.CreatedAt); err != nil {
					t.Fatal(err)
				}
			}
			f.sources[s.ID], f.srcOrg[s.ID] = secret, org
		}
		cs := "client-secret-" + name
		if _, err := ist.SetOIDCConfig(ctx, scope, identity.OIDCConfig{Issuer: "https://idp.example.com", ClientID: "c",
			ClientSecret: cs, AllowedDomains: []string{"example.com"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		f.oidc[org] = cs
	}
	m := identitytest.NewMember(t, d, f.orgs[0], rbac.RoleAnalyst)
	u, err := ist.UserByID(ctx, m.UserID)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ist.EnrollTOTP(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	f.user, f.seed = m.UserID, e.Secret
	return f
}

func audited(ctx context.Context, tx *db.Tx, e secrets.AuditEntry) error {
	return app.SecretsAudit(ctx, tx, e)
}

// allSealed reads every sealed value of every declared column.
func allSealed(t *testing.T, d *db.DB, orgs []uuid.UUID) map[string]secrets.Ref {
	t.Helper()
	out := map[string]secrets.Ref{}
	for _, c := range app.SealedColumns() {
		scopes := []uuid.UUID{uuid.Nil}
		if c.Org != "" {
			scopes = orgs
		}
		for _, org := range scopes {
			read := func(ctx context.Context, tx *db.Tx) error {
				q := `SELECT ` + c.Key + `, ` + c.Column + ` FROM ` + c.Table
				var args []any
				if c.Org != "" {
					q += ` WHERE ` + c.Org + ` = $1`
					args = append(args, org.String())
				}
				rows, err := tx.QueryContext(ctx, q, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var key string
					var v []byte
					if c.Binary {
						err = rows.Scan(&key, &v)
					} else {
						var s sql.NullString
						err = rows.Scan(&key, &s)
						v = []byte(s.String)
					}
					if err != nil {
						return err
					}
					if len(v) > 0 {
						out[c.Table+"."+c.Column+"/"+key+"/"+string(v)] = secrets.Ref{Org: org, Table: c.Table, Field: c.Field, Row: key}
					}
				}
				return rows.Err()
			}
			var err error
			if org == uuid.Nil {
				err = d.Read(context.Background(), read)
			} else {
				err = d.ReadInOrg(context.Background(), tenant.System(org, "test"), read)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func sealedValue(k string) string {
	// key is "table.column/row/value"
	n := 0
	for i := range k {
		if k[i] == '/' {
			n++
			if n == 2 {
				return k[i+1:]
			}
		}
	}
	return ""
}

// After rotate, every sealed value is under the new key and opens with the
// new key alone (the old one removed); the domain stores read them back;
// a second run finds nothing to do; each batch is audited.
func TestRotateResealsEverythingUnderTheNewKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := seed(t, d)
		before := allSealed(t, d, f.orgs)
		// 10 webhook current + 2 previous + 2 OIDC + 1 pending TOTP (+ none
		// for members without MFA).
		if len(before) != 15 {
			t.Fatalf("%d sealed values before rotation, want 15", len(before))
		}
		rotated := secrets.MustKeyring(newKey, oldKey)
		res, err := secrets.Rotate(ctx, d, rotated, app.SealedColumns(), secrets.RotateOptions{BatchSize: 2, Audit: audited})
		if err != nil || res.Resealed != 15 || res.Failed != 0 {
			t.Fatalf("rotate: %+v %v", res, err)
		}
		newOnly := secrets.MustKeyring(newKey)
		after := allSealed(t, d, f.orgs)
		if len(after) != 15 {
			t.Fatalf("%d sealed values after rotation", len(after))
		}
		for k, ref := range after {
			v := sealedValue(k)
			if !newOnly.IsCurrent(v) {
				t.Errorf("%s not under the new key", k)
			}
			if _, err := newOnly.Open(ref, v); err != nil {
				t.Errorf("%s does not open under the new key: %v", k, err)
			}
		}
		src := ingest.NewStore(d, newOnly)
		for id, secret := range f.sources {
			if _, err := src.GetSource(ctx, tenant.System(f.srcOrg[id], "test"), id); err != nil {
				t.Fatalf("source %s: %v", id, err)
			}
			if got := webhookSecret(t, d, newOnly, f.srcOrg[id], id); got != secret {
				t.Fatalf("source %s: secret changed by rotation", id)
			}
		}
		ist, _ := identity.NewStore(d, newOnly)
		for org, cs := range f.oidc {
			c, err := ist.OIDCConfig(ctx, tenant.System(org, "test"))
			if err != nil || c.ClientSecret != cs {
				t.Fatalf("oidc %s: %q %v", org, c.ClientSecret, err)
			}
		}
		// Resumable: a second run only skips.
		res, err = secrets.Rotate(ctx, d, rotated, app.SealedColumns(), secrets.RotateOptions{BatchSize: 2, Audit: audited})
		if err != nil || res.Resealed != 0 || res.Current != 15 {
			t.Fatalf("second run: %+v %v", res, err)
		}
		owner := d
		if d.Dialect == db.Postgres {
			owner = testdb.OpenPostgresOwner(t, d)
		}
		var n int
		if err := owner.Reader.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'secrets.reseal'`).Scan(&n); err != nil || n < 5 {
			t.Fatalf("audit entries: %d %v", n, err)
		}
	})
}

// A sealed webhook secret copied into another org's row (or another row of
// the same org) does not open.
func TestCiphertextCopiedToAnotherRowDoesNotOpen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := seed(t, d)
		var a, b, a2 uuid.UUID
		for id, org := range f.srcOrg {
			switch {
			case org == f.orgs[0] && a == uuid.Nil:
				a = id
			case org == f.orgs[0] && a2 == uuid.Nil:
				a2 = id
			case org == f.orgs[1] && b == uuid.Nil:
				b = id
			}
		}
		var sealed []byte
		err := d.ReadInOrg(ctx, tenant.System(f.orgs[0], "test"), func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT secret_enc FROM alert_sources WHERE id = $1`, a.String()).Scan(&sealed)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []struct {
			org, id uuid.UUID
		}{{f.orgs[1], b}, {f.orgs[0], a2}} {
			err := d.InOrg(ctx, tenant.System(target.org, "test"), func(ctx context.Context, tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE alert_sources SET secret_enc = $1 WHERE id = $2`, sealed, target.id.String())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ingest.NewStore(d, secrets.MustKeyring(oldKey)).GetSource(ctx, tenant.System(target.org, "test"), target.id); !errors.Is(err, secrets.ErrOpen) {
				t.Fatalf("copied ciphertext opened in %s: %v", target.id, err)
			}
		}
		// Rotation reports the moved values and leaves them alone.
		res, err := secrets.Rotate(ctx, d, secrets.MustKeyring(newKey, oldKey), app.SealedColumns(), secrets.RotateOptions{Audit: audited})
		if !errors.Is(err, secrets.ErrOpen) || res.Failed != 2 || res.Resealed != 13 {
			t.Fatalf("rotate with moved values: %+v %v", res, err)
		}
	})
}

// Values in the pre-keyring formats are re-sealed once at start.
func TestResealLegacyOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := seed(t, d)
		nonce := make([]byte, 12)
		_, _ = rand.Read(nonce)
		var id uuid.UUID
		for s, org := range f.srcOrg {
			if org == f.orgs[1] {
				id = s
				break
			}
		}
		legacyWebhook, _ := secrets.SealLegacy(secrets.LegacyIngestWebhook, oldKey, nonce, []byte(f.sources[id]))
		legacyTOTP, _ := secrets.SealLegacy(secrets.LegacyIdentityTOTP, oldKey, nonce, []byte(f.seed))
		if err := d.InOrg(ctx, tenant.System(f.orgs[1], "test"), func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE alert_sources SET secret_enc = $1 WHERE id = $2`, legacyWebhook, id.String())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET totp_pending = $1 WHERE id = $2`, string(legacyTOTP), f.user.String())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		k := secrets.MustKeyring(oldKey)
		if err := secrets.ResealLegacy(ctx, d, k, app.SealedColumns(), secrets.RotateOptions{Audit: audited}); err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.NewStore(d, k).GetSource(ctx, tenant.System(f.orgs[1], "test"), id); err != nil {
			t.Fatalf("legacy webhook secret after re-seal: %v", err)
		}
		if got := webhookSecret(t, d, k, f.orgs[1], id); got != f.sources[id] {
			t.Fatal("legacy webhook secret changed by the re-seal")
		}
		for key := range allSealed(t, d, f.orgs) {
			if !secrets.IsSealed(sealedValue(key)) {
				t.Fatalf("%s still in a legacy format", key)
			}
		}
		// The marker makes later starts skip the scan: a legacy value
		// written afterwards stays (and would be found by rotate).
		if err := d.InOrg(ctx, tenant.System(f.orgs[1], "test"), func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE alert_sources SET secret_enc = $1 WHERE id = $2`, legacyWebhook, id.String())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := secrets.ResealLegacy(ctx, d, k, app.SealedColumns(), secrets.RotateOptions{Audit: audited}); err != nil {
			t.Fatal(err)
		}
		res, err := secrets.Rotate(ctx, d, k, app.SealedColumns(), secrets.RotateOptions{Audit: audited})
		if err != nil || res.Resealed != 1 {
			t.Fatalf("rotate after marker: %+v %v", res, err)
		}
	})
}
