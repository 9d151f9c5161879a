package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	seq, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || seq < 1 {
		return Anchor{}, fmt.Errorf("audit: anchor %q: seq must be a positive integer", s)
	}
	a.Seq = seq
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
	return fmt.Sprintf("chain %s: entry seq %d%s: %s", chainName(b.OrgID), b.Seq, idNote(b.ID), b.Problem)
}

// idNote names a row id for operators reading the database ("" for
// entries from an export, which carries no row ids).
func idNote(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf(" (id %d)", id)
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
	c := newChecker(org, anchors)
	err := EachInChain(ctx, d, org, func(s Stored) error {
		if !c.add(s) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return ChainReport{}, err
	}
	return c.finish(), nil
}

// checker verifies one chain entry by entry, in seq order.
type checker struct {
	cr       ChainReport
	anchors  map[int64]string
	prevHash string
	expect   int64
}

func newChecker(org uuid.UUID, anchors map[int64]string) *checker {
	return &checker{cr: ChainReport{OrgID: org}, anchors: anchors, prevHash: GenesisHash, expect: 1}
}

// add checks the next entry; it returns false at the first break (and
// ignores everything after it).
func (c *checker) add(s Stored) bool {
	if c.cr.Break != nil {
		return false
	}
	fail := func(id, seq int64, format string, args ...any) bool {
		c.cr.Break = &Break{OrgID: c.cr.OrgID, Seq: seq, ID: id, Problem: fmt.Sprintf(format, args...)}
		return false
	}
	if s.Seq != c.expect {
		return fail(0, c.expect, "missing: the next entry present is seq %d%s, entries %d..%d were deleted", s.Seq, idNote(s.ID), c.expect, s.Seq-1)
	}
	if s.PrevHash != c.prevHash {
		return fail(s.ID, s.Seq, "prev_hash %s is not the hash of the previous entry (%s): an earlier entry was rewritten or removed", short(s.PrevHash), short(c.prevHash))
	}
	if got := s.fields().ComputeHash(); got != s.Hash {
		return fail(s.ID, s.Seq, "content does not match its hash (stored %s, recomputed %s): a field of this entry was changed", short(s.Hash), short(got))
	}
	if want, ok := c.anchors[s.Seq]; ok && want != s.Hash {
		return fail(s.ID, s.Seq, "hash %s differs from the anchored hash %s: the chain was rewritten from here or earlier", short(s.Hash), short(want))
	}
	c.cr.Entries++
	c.cr.Head = Anchor{OrgID: c.cr.OrgID, Seq: s.Seq, Hash: s.Hash}
	c.prevHash, c.expect = s.Hash, s.Seq+1
	return true
}

// finish reports the chain, checking that every anchor was reached.
func (c *checker) finish() ChainReport {
	if c.cr.Break == nil {
		var missing int64
		for seq := range c.anchors {
			if seq >= c.expect && (missing == 0 || seq < missing) {
				missing = seq
			}
		}
		if missing > 0 {
			c.cr.Break = &Break{OrgID: c.cr.OrgID, Seq: missing, Problem: fmt.Sprintf("anchored entry is missing: the chain ends at seq %d, its newest entries were deleted", c.expect-1)}
		}
	}
	return c.cr
}

// VerifyNDJSON verifies chains from an export (GET /api/v1/audit/export or
// `audit export`) without the database: one LogEntry per line, each chain
// complete from seq 1 and in seq order. Lines of several chains may be
// concatenated.
func VerifyNDJSON(r io.Reader, anchors []Anchor) (Report, error) {
	checkers := map[uuid.UUID]*checker{}
	var order []uuid.UUID
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4*MaxDetailsBytes)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var le LogEntry
		if err := json.Unmarshal(sc.Bytes(), &le); err != nil {
			return Report{}, fmt.Errorf("audit: line %d: %w", line, err)
		}
		s, err := le.stored()
		if err != nil {
			return Report{}, fmt.Errorf("audit: line %d: %w", line, err)
		}
		c, ok := checkers[s.OrgID]
		if !ok {
			c = newChecker(s.OrgID, anchorsFor(anchors, s.OrgID))
			checkers[s.OrgID] = c
			order = append(order, s.OrgID)
		}
		c.add(s)
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("audit: read export: %w", err)
	}
	for _, a := range anchors {
		if _, ok := checkers[a.OrgID]; !ok {
			checkers[a.OrgID] = newChecker(a.OrgID, anchorsFor(anchors, a.OrgID))
			order = append(order, a.OrgID)
		}
	}
	var rep Report
	for _, org := range order {
		rep.Chains = append(rep.Chains, checkers[org].finish())
	}
	return rep, nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
