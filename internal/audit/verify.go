package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
)

// Anchor is a chain head recorded outside the database (for example
// printed by an earlier `audit verify` and kept elsewhere). A hash chain
// alone cannot reveal that its newest entries were deleted; an anchor can:
// the anchored entry must still exist with the same hash.
type Anchor struct {
	OrgID uuid.UUID
	Seq   int64
	Hash  string
}

// ParseAnchor parses "ORG:SEQ:HASH", ORG being an org id or "platform".
func ParseAnchor(s string) (Anchor, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Anchor{}, fmt.Errorf("audit: anchor %q: want ORG:SEQ:HASH", s)
	}
	var a Anchor
	if parts[0] != "platform" {
		id, err := uuid.Parse(parts[0])
		if err != nil || id == uuid.Nil {
			return Anchor{}, fmt.Errorf("audit: anchor %q: org must be a UUID or \"platform\"", s)
		}
		a.OrgID = id
	}
	if _, err := fmt.Sscan(parts[1], &a.Seq); err != nil || a.Seq < 1 {
		return Anchor{}, fmt.Errorf("audit: anchor %q: seq must be a positive integer", s)
	}
	a.Hash = strings.ToLower(parts[2])
	if len(a.Hash) != 64 || strings.Trim(a.Hash, "0123456789abcdef") != "" {
		return Anchor{}, fmt.Errorf("audit: anchor %q: hash must be 64 hex digits", s)
	}
	return a, nil
}

// String formats a as ParseAnchor reads it.
func (a Anchor) String() string { return fmt.Sprintf("%s:%d:%s", chainName(a.OrgID), a.Seq, a.Hash) }

// Break is the first entry at which a chain fails verification.
type Break struct {
	OrgID uuid.UUID
	Seq   int64
	// ID is the row id of the entry (0 when the entry is missing).
	ID      int64
	Problem string
}

func (b *Break) String() string {
	return fmt.Sprintf("chain %s: entry seq %d (id %d): %s", chainName(b.OrgID), b.Seq, b.ID, b.Problem)
}

// ChainReport is the verification result of one chain.
type ChainReport struct {
	OrgID uuid.UUID
	// Entries is how many entries were checked (up to the break).
	Entries int64
	// Head is the last verified entry (an anchor to keep outside the
	// database); zero for an empty chain.
	Head Anchor
	// Break is nil when the chain is intact.
	Break *Break
}

// Report is the verification result of every chain checked.
type Report struct {
	Chains []ChainReport
}

// OK reports whether every chain verified.
func (r Report) OK() bool {
	for _, c := range r.Chains {
		if c.Break != nil {
			return false
		}
	}
	return true
}

// VerifyOptions selects what Verify checks.
type VerifyOptions struct {
	// Orgs limits verification to these chains (uuid.Nil: the platform
	// chain); empty means every chain in the database.
	Orgs []uuid.UUID
	// Anchors are externally kept heads that must still be present.
	Anchors []Anchor
}

// errStop ends a chain walk at its first break.
var errStop = errors.New("stop")

// Verify walks each chain in seq order, recomputing every hash, and
// reports per chain the first broken entry: a gap in seq (deleted
// entries), a prev_hash that is not the previous entry's hash (entries
// deleted, reordered or rewritten), a hash that does not match the content
// (a changed field), or a missing or different anchored entry (truncation).
// It reads without arming an org, so it must run on the owner connection
// on PostgreSQL (the CLI does).
func Verify(ctx context.Context, d *db.DB, opts VerifyOptions) (Report, error) {
	orgs := opts.Orgs
	if len(orgs) == 0 {
		var err error
		if orgs, err = Chains(ctx, d); err != nil {
			return Report{}, err
		}
		for _, a := range opts.Anchors {
			if !containsOrg(orgs, a.OrgID) {
				orgs = append(orgs, a.OrgID) // a vanished chain must still be checked
			}
		}
	}
	var rep Report
	for _, org := range orgs {
		cr, err := verifyChain(ctx, d, org, anchorsFor(opts.Anchors, org))
		if err != nil {
			return Report{}, err
		}
		rep.Chains = append(rep.Chains, cr)
	}
	return rep, nil
}

func containsOrg(orgs []uuid.UUID, org uuid.UUID) bool {
	for _, o := range orgs {
		if o == org {
			return true
		}
	}
	return false
}

func anchorsFor(all []Anchor, org uuid.UUID) map[int64]string {
	m := map[int64]string{}
	for _, a := range all {
		if a.OrgID == org {
			m[a.Seq] = a.Hash
		}
	}
	return m
}

func verifyChain(ctx context.Context, d *db.DB, org uuid.UUID, anchors map[int64]string) (ChainReport, error) {
	cr := ChainReport{OrgID: org}
	prevHash, expect := GenesisHash, int64(1)
	fail := func(s Stored, seq int64, format string, args ...any) error {
		cr.Break = &Break{OrgID: org, Seq: seq, ID: s.ID, Problem: fmt.Sprintf(format, args...)}
		return errStop
	}
	err := EachInChain(ctx, d, org, func(s Stored) error {
		if s.Seq != expect {
			return fail(Stored{}, expect, "missing: the next entry present is seq %d (id %d), entries %d..%d were deleted", s.Seq, s.ID, expect, s.Seq-1)
		}
		if s.PrevHash != prevHash {
			return fail(s, s.Seq, "prev_hash %s is not the hash of the previous entry (%s): an earlier entry was rewritten or removed", short(s.PrevHash), short(prevHash))
		}
		if got := s.fields().ComputeHash(); got != s.Hash {
			return fail(s, s.Seq, "content does not match its hash (stored %s, recomputed %s): a field of this entry was changed", short(s.Hash), short(got))
		}
		if want, ok := anchors[s.Seq]; ok && want != s.Hash {
			return fail(s, s.Seq, "hash %s differs from the anchored hash %s: the chain was rewritten from here or earlier", short(s.Hash), short(want))
		}
		cr.Entries++
		cr.Head = Anchor{OrgID: org, Seq: s.Seq, Hash: s.Hash}
		prevHash, expect = s.Hash, s.Seq+1
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return ChainReport{}, err
	}
	if cr.Break == nil {
		var missing int64
		for seq := range anchors {
			if seq >= expect && (missing == 0 || seq < missing) {
				missing = seq
			}
		}
		if missing > 0 {
			cr.Break = &Break{OrgID: org, Seq: missing, Problem: fmt.Sprintf("anchored entry is missing: the chain ends at seq %d, its newest entries were deleted", expect-1)}
		}
	}
	return cr, nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
