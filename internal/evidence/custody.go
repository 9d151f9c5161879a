package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/tenant"
)

// CustodyEntry is one entry of an artifact's chain-of-custody log. Hash
// covers every other field and PrevHash (the previous entry's Hash, ""
// for the first), so an entry changed, removed or inserted breaks the
// chain (CustodyHash documents the encoding).
type CustodyEntry struct {
	EvidenceID uuid.UUID       `json:"evidence_id"`
	OrgID      uuid.UUID       `json:"org_id"`
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action" enum:"collected,viewed,downloaded,exported,verified,integrity_failed"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	Details    json.RawMessage `json:"details"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// custodyHashed is what CustodyHash encodes, in this field order.
type custodyHashed struct {
	Format     string          `json:"f"`
	EvidenceID string          `json:"evidence_id"`
	OrgID      string          `json:"org_id"`
	Seq        int64           `json:"seq"`
	At         int64           `json:"at_us"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	Details    json.RawMessage `json:"details"`
	PrevHash   string          `json:"prev_hash"`
}

// custodyFormat versions the hashed encoding.
const custodyFormat = "securenexus-custody/1"

// CustodyHash is the hex SHA-256 of the entry's JSON encoding
// {"f":"securenexus-custody/1","evidence_id","org_id","seq","at_us" (Unix
// microseconds),"actor","action","ip","user_agent","details" (canonical
// JSON, audit.CanonicalJSON),"prev_hash"} in that order, as encoding/json
// writes it.
func CustodyHash(e CustodyEntry) (string, error) {
	details, err := audit.CanonicalJSON(e.Details)
	if err != nil {
		return "", fmt.Errorf("evidence: canonical custody details: %w", err)
	}
	b, err := json.Marshal(custodyHashed{Format: custodyFormat, EvidenceID: e.EvidenceID.String(), OrgID: e.OrgID.String(), Seq: e.Seq,
		At: e.At.UnixMicro(), Actor: e.Actor, Action: e.Action, IP: e.IP, UserAgent: e.UserAgent, Details: details, PrevHash: e.PrevHash})
	if err != nil {
		return "", fmt.Errorf("evidence: encode custody entry: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// VerifyCustody checks a chain: sequence 1, 2, ... for one artifact, each
// entry's PrevHash the previous Hash and each Hash recomputed. It returns
// the first broken sequence number (0 when the chain holds) and why.
func VerifyCustody(entries []CustodyEntry) (int64, string) {
	prev := ""
	for i, e := range entries {
		if e.Seq != int64(i)+1 {
			return e.Seq, fmt.Sprintf("entry %d has sequence number %d", i+1, e.Seq)
		}
		if i > 0 && (e.EvidenceID != entries[0].EvidenceID || e.OrgID != entries[0].OrgID) {
			return e.Seq, "entry belongs to another artifact"
		}
		if e.PrevHash != prev {
			return e.Seq, "prev_hash does not match the previous entry's hash"
		}
		h, err := CustodyHash(e)
		if err != nil {
			return e.Seq, err.Error()
		}
		if h != e.Hash {
			return e.Seq, "hash does not match the entry's content"
		}
		prev = e.Hash
	}
	return 0, ""
}

// custody appends an entry to e's chain (e was loaded FOR UPDATE in tx,
// so appends to one artifact are serialised) and the matching audit entry,
// which carries the custody hash: the two logs vouch for each other.
func (s *Store) custody(ctx context.Context, tx *db.Tx, scope tenant.Scope, e *Evidence, action string, outcome audit.Outcome, details any) (CustodyEntry, error) {
	d, err := encodeDetails(details)
	if err != nil {
		return CustodyEntry{}, err
	}
	var seq int64
	var head string
	if err := tx.QueryRowContext(ctx, `SELECT custody_seq, custody_head FROM evidence WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), e.ID.String()).Scan(&seq, &head); err != nil {
		return CustodyEntry{}, fmt.Errorf("evidence: read custody head: %w", err)
	}
	c := CustodyEntry{EvidenceID: e.ID, OrgID: scope.Org(), Seq: seq + 1, At: s.now(), Actor: scope.Actor(), Action: action,
		IP: clip(httpapi.ClientIP(ctx), 64), UserAgent: clip(httpapi.UserAgent(ctx), 512), Details: d, PrevHash: head}
	if c.Hash, err = CustodyHash(c); err != nil {
		return CustodyEntry{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_custody (id, org_id, evidence_id, seq, at, actor, action, ip, user_agent, details, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, newID().String(), scope.Org().String(), e.ID.String(), c.Seq, c.At,
		c.Actor, c.Action, c.IP, c.UserAgent, string(c.Details), c.PrevHash, c.Hash); err != nil {
		return CustodyEntry{}, fmt.Errorf("evidence: append custody: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE evidence SET custody_seq = $1, custody_head = $2 WHERE org_id = $3 AND id = $4`,
		c.Seq, c.Hash, scope.Org().String(), e.ID.String()); err != nil {
		return CustodyEntry{}, fmt.Errorf("evidence: advance custody head: %w", err)
	}
	ad, err := json.Marshal(map[string]any{"incident_id": e.IncidentID, "custody_seq": c.Seq, "custody_hash": c.Hash,
		"sha256": e.SHA256, "details": d})
	if err != nil {
		return CustodyEntry{}, fmt.Errorf("evidence: encode audit details: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "evidence." + action,
		TargetType: "evidence", TargetID: e.ID.String(), Outcome: outcome, Details: ad}); err != nil {
		return CustodyEntry{}, fmt.Errorf("evidence: audit %s: %w", action, err)
	}
	return c, nil
}

// custodyOf reads an artifact's chain in order.
func custodyOf(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) ([]CustodyEntry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor, action, ip, user_agent, details, prev_hash, hash FROM evidence_custody
WHERE org_id = $1 AND evidence_id = $2 ORDER BY seq`, scope.Org().String(), id.String())
	if err != nil {
		return nil, fmt.Errorf("evidence: read custody: %w", err)
	}
	defer rows.Close()
	out := []CustodyEntry{}
	for rows.Next() {
		c := CustodyEntry{EvidenceID: id, OrgID: scope.Org()}
		var details string
		if err := rows.Scan(&c.Seq, &c.At, &c.Actor, &c.Action, &c.IP, &c.UserAgent, &details, &c.PrevHash, &c.Hash); err != nil {
			return nil, fmt.Errorf("evidence: scan custody: %w", err)
		}
		c.At = c.At.UTC()
		// jsonb re-spells the stored text; the canonical form is what
		// was hashed.
		if c.Details, err = audit.CanonicalJSON([]byte(details)); err != nil {
			return nil, fmt.Errorf("evidence: stored custody details: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CustodyLog is an artifact's chain with the result of checking it.
type CustodyLog struct {
	Entries    []CustodyEntry `json:"entries"`
	ChainValid bool           `json:"chain_valid" doc:"Every entry's hash recomputes and links to the previous one"`
	BrokenAt   int64          `json:"broken_at,omitempty" doc:"Sequence number of the first entry that breaks the chain"`
	Problem    string         `json:"problem,omitempty"`
}

// Custody returns the artifact's custody log, checked.
func (s *Store) Custody(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*CustodyLog, error) {
	var out CustodyLog
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, id, false); err != nil {
			return err
		}
		var err error
		out.Entries, err = custodyOf(ctx, tx, scope, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.BrokenAt, out.Problem = VerifyCustody(out.Entries)
	out.ChainValid = out.BrokenAt == 0
	return &out, nil
}
