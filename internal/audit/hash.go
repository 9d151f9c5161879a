package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// hashDomain starts every hashed encoding; a new encoding gets a new tag.
const hashDomain = "securenexus.audit.v1"

// GenesisHash is the prev_hash of the first entry of every chain.
var GenesisHash = strings.Repeat("0", 64)

// chainFields are the stored fields of an entry that the hash covers: every
// column except the surrogate id (assigned by the database after hashing;
// an entry's place is its chain and seq).
type chainFields struct {
	OrgID      uuid.UUID
	Seq        int64
	OccurredAt int64 // Unix microseconds, UTC
	Actor      string
	Action     string
	TargetType string
	TargetID   string
	Outcome    string
	RequestID  string
	IP         string
	UserAgent  string
	Details    []byte // canonical JSON
	PrevHash   string
}

// ComputeHash returns the lowercase hex SHA-256 of the canonical encoding,
// a sequence of items each written as a 4-byte big-endian length and its
// bytes: the domain tag "securenexus.audit.v1", then org id (canonical
// lowercase UUID, empty for the platform chain), seq (decimal), occurred_at
// (decimal Unix microseconds), actor, action, target_type, target_id,
// outcome, request_id, ip, user_agent, details (canonical JSON, see
// CanonicalJSON), prev_hash (lowercase hex).
func (f chainFields) ComputeHash() string {
	org := ""
	if f.OrgID != uuid.Nil {
		org = f.OrgID.String()
	}
	h := sha256.New()
	var n [4]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint32(n[:], uint32(len(b))) //nolint:gosec // fields are bounded far below 4 GiB
		h.Write(n[:])
		h.Write(b)
	}
	put([]byte(hashDomain))
	for _, s := range []string{
		org,
		strconv.FormatInt(f.Seq, 10),
		strconv.FormatInt(f.OccurredAt, 10),
		f.Actor, f.Action, f.TargetType, f.TargetID, f.Outcome,
		f.RequestID, f.IP, f.UserAgent,
	} {
		put([]byte(s))
	}
	put(f.Details)
	put([]byte(f.PrevHash))
	return hex.EncodeToString(h.Sum(nil))
}
