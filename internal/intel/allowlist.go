package intel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// The built-in allowlist: values that are never stored as indicators
// because matching them would flag half of all traffic (MISP's warning
// lists have the same purpose). Public resolvers, unroutable and
// documentation-free special ranges, top domains, and low-entropy values.
var (
	publicResolvers = map[string]bool{
		"8.8.8.8": true, "8.8.4.4": true, "1.1.1.1": true, "1.0.0.1": true, "9.9.9.9": true, "149.112.112.112": true,
		"208.67.222.222": true, "208.67.220.220": true, "2001:4860:4860::8888": true, "2001:4860:4860::8844": true,
		"2606:4700:4700::1111": true, "2606:4700:4700::1001": true, "2620:fe::fe": true,
	}
	topDomains = map[string]bool{
		"google.com": true, "www.google.com": true, "microsoft.com": true, "www.microsoft.com": true, "windowsupdate.com": true,
		"apple.com": true, "amazon.com": true, "amazonaws.com": true, "cloudflare.com": true, "facebook.com": true,
		"github.com": true, "office.com": true, "office365.com": true, "live.com": true, "outlook.com": true,
		"akamaihd.net": true, "googleapis.com": true, "gstatic.com": true, "youtube.com": true, "wikipedia.org": true,
		"localhost": true, "example.com": true, "example.org": true, "example.net": true,
	}
)

// allowlisted returns why a canonical value is never an indicator ("" if
// it may be one).
func allowlisted(t Type, v string) string {
	switch t {
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return "not an address"
		}
		if publicResolvers[v] {
			return "allowlisted: public DNS resolver"
		}
		if a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() || a.IsLinkLocalUnicast() || a.IsInterfaceLocalMulticast() {
			return "allowlisted: special-purpose address"
		}
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "not a network"
		}
		if (p.Addr().Is4() && p.Bits() < 8) || (p.Addr().Is6() && p.Bits() < 16) {
			return "allowlisted: network too broad to be an indicator"
		}
	case TypeDomain:
		if topDomains[v] {
			return "allowlisted: top domain"
		}
		if !strings.Contains(v, ".") {
			return "allowlisted: not a registrable domain"
		}
	case TypeMD5, TypeSHA1, TypeSHA256, TypeJA3:
		if lowEntropy(v) {
			return "allowlisted: low-entropy value"
		}
	}
	return ""
}

// lowEntropy reports whether a hex value is degenerate (all zeros, a
// repeated short pattern): Shannon entropy under 2 bits per character,
// where a random hex string has close to 4.
func lowEntropy(v string) bool {
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / float64(len(v))
		h -= p * math.Log2(p)
	}
	return h < 2
}

// AllowEntry is one value of an org's allowlist: alerts carrying it never
// match (a CIDR covers its addresses, a domain with Subdomains its
// subdomains) and imports into the org skip it (counted as allowlisted).
// Indicators stored before the entry was added stay stored.
type AllowEntry struct {
	ID         uuid.UUID `json:"id"`
	Type       Type      `json:"type" enum:"ipv4,ipv6,cidr,domain,url,md5,sha1,sha256,email,file,ja3,ja4"`
	Value      string    `json:"value"`
	Subdomains bool      `json:"subdomains"`
	Comment    string    `json:"comment"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// AllowInput creates an allowlist entry.
type AllowInput struct {
	Type       Type   `json:"type" enum:"ipv4,ipv6,cidr,domain,url,md5,sha1,sha256,email,file,ja3,ja4"`
	Value      string `json:"value" minLength:"1" maxLength:"2048"`
	Subdomains bool   `json:"subdomains,omitempty"`
	Comment    string `json:"comment,omitempty" maxLength:"500"`
}

// maxAllowEntries bounds one org's allowlist (it is held in memory).
const maxAllowEntries = 10000

const allowCols = `id, type, value, subdomains, comment, created_by, created_at`

func scanAllow(sc db.Scanner) (AllowEntry, error) {
	var a AllowEntry
	if err := sc.Scan(&a.ID, &a.Type, &a.Value, &a.Subdomains, &a.Comment, &a.CreatedBy, &a.CreatedAt); err != nil {
		return a, fmt.Errorf("intel: scan allowlist entry: %w", err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// indicator is the entry as an index record.
func (a *AllowEntry) indicator() Indicator {
	return Indicator{ID: a.ID, Type: a.Type, Value: a.Value, Subdomains: a.Subdomains, Detect: true}
}

// AddAllow adds an entry to the org's allowlist.
func (s *Store) AddAllow(ctx context.Context, scope tenant.Scope, in AllowInput) (AllowEntry, error) {
	if !in.Type.Valid() {
		return AllowEntry{}, apperr.Validation("invalid allowlist entry", apperr.Field("body.type", "unknown indicator type"))
	}
	v, ok := Canonicalize(in.Type, in.Value)
	if !ok {
		return AllowEntry{}, apperr.Validation("invalid allowlist entry", apperr.Field("body.value", "not a valid "+string(in.Type)))
	}
	a := AllowEntry{ID: uuid.Must(uuid.NewV7()), Type: in.Type, Value: v, Subdomains: in.Subdomains && in.Type == TypeDomain,
		Comment: strings.TrimSpace(in.Comment), CreatedBy: scope.Actor(), CreatedAt: s.now()}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM intel_allowlist WHERE org_id = $1`, scope.Org().String()).Scan(&n); err != nil {
			return fmt.Errorf("intel: count allowlist: %w", err)
		}
		if n >= maxAllowEntries {
			return apperr.Conflict("the allowlist is full (10,000 entries)").WithCode("allowlist_full")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO intel_allowlist (`+allowCols+`, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID.String(), string(a.Type), a.Value, a.Subdomains, a.Comment, a.CreatedBy, a.CreatedAt, scope.Org().String())
		if isUnique(err) {
			return apperr.Conflict("the value is on the allowlist").WithCode("allowlist_entry_exists")
		}
		if err != nil {
			return fmt.Errorf("intel: add allowlist entry: %w", err)
		}
		return audit.Record(ctx, tx, auditEntry(scope, "intel.allowlist.add", "intel_allowlist", a.ID.String(),
			map[string]any{"type": a.Type, "value": a.Value, "subdomains": a.Subdomains}))
	})
	if err == nil && s.OnAllowChange != nil {
		s.OnAllowChange(scope.Org())
	}
	return a, err
}

// DeleteAllow removes an entry of the org's allowlist.
func (s *Store) DeleteAllow(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		a, err := scanAllow(tx.QueryRowContext(ctx, `DELETE FROM intel_allowlist WHERE org_id = $1 AND id = $2 RETURNING `+allowCols,
			scope.Org().String(), id.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("allowlist entry")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, auditEntry(scope, "intel.allowlist.delete", "intel_allowlist", id.String(),
			map[string]any{"type": a.Type, "value": a.Value}))
	})
	if err == nil && s.OnAllowChange != nil {
		s.OnAllowChange(scope.Org())
	}
	return err
}

// Allowlist returns one page of the org's allowlist, newest first (t
// filters by type).
func (s *Store) Allowlist(ctx context.Context, scope tenant.Scope, t Type, after *uuid.UUID, limit int) ([]AllowEntry, *uuid.UUID, error) {
	limit = min(max(limit, 1), maxAllowEntries)
	var out []AllowEntry
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		args := []any{scope.Org().String()}
		q := `SELECT ` + allowCols + ` FROM intel_allowlist WHERE org_id = $1`
		if t != "" {
			args = append(args, string(t))
			q += fmt.Sprintf(` AND type = $%d`, len(args))
		}
		if after != nil {
			args = append(args, after.String())
			q += fmt.Sprintf(` AND id < $%d`, len(args))
		}
		args = append(args, limit+1)
		var err error
		out, err = db.Collect(ctx, tx, scanAllow, q+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		out = []AllowEntry{}
	}
	var next *uuid.UUID
	if len(out) > limit {
		out = out[:limit]
		id := out[limit-1].ID
		next = &id
	}
	return out, next, nil
}

// allowIndex loads the org's allowlist as a match index.
func (s *Store) allowIndex(ctx context.Context, org uuid.UUID) (*Index, error) {
	entries, _, err := s.Allowlist(ctx, tenant.System(org, "intel allowlist load"), "", nil, maxAllowEntries)
	if err != nil {
		return nil, err
	}
	x := NewIndex()
	for i := range entries {
		ind := entries[i].indicator()
		x.Put(&ind)
	}
	return x, nil
}

// allowIndexTx loads the org's allowlist as a match index in tx (nil when
// it is empty).
func allowIndexTx(ctx context.Context, tx *db.Tx, org uuid.UUID) (*Index, error) {
	entries, err := db.Collect(ctx, tx, scanAllow, `SELECT `+allowCols+` FROM intel_allowlist WHERE org_id = $1 LIMIT $2`, org.String(), maxAllowEntries)
	if err != nil {
		return nil, fmt.Errorf("intel: load allowlist: %w", err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	x := NewIndex()
	for i := range entries {
		ind := entries[i].indicator()
		x.Put(&ind)
	}
	return x, nil
}

// Covers reports whether the allowlist index x covers a canonical
// indicator value: an address or a network inside an allowlisted network
// (or the same address), a domain equal to an entry or under one with
// subdomains, any other value equal to an entry. Such a value is never
// imported into the org.
func (x *Index) Covers(t Type, v string) bool {
	var e alert.Entity
	switch t {
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return false
		}
		x.mu.RLock()
		defer x.mu.RUnlock()
		for range x.cidrs.Supernets(p) {
			return true
		}
		return false
	case TypeIPv4, TypeIPv6:
		e.Type = alert.EntityIP
	case TypeDomain:
		e.Type = alert.EntityDomain
	default:
		e.Type = alert.EntityType(t)
	}
	e.Value = v
	var scratch [2]Hit
	return len(x.Match(e, nowUnix(), scratch[:0])) > 0
}
