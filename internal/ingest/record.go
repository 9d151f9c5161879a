package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/normalize"
)

// DefaultDedupWindow is the dedup window of alerts with no source config.
const DefaultDedupWindow = time.Hour

// DedupKeyFields are the alert fields a source may choose to fingerprint on.
var DedupKeyFields = []string{"source_type", "rule_id", "rule_name", "title", "source_ref", "severity", "entities", "entity:ip", "entity:hostname", "entity:user", "entity:domain", "entity:url", "entity:sha256", "entity:md5", "entity:sha1", "entity:email", "entity:process", "entity:file", "entity:cloud_resource"}

// ValidDedupKey reports whether k is a supported dedup key field.
func ValidDedupKey(k string) bool { return slices.Contains(DedupKeyFields, k) }

// Fingerprint computes the SHA-256 fingerprint of a over a source's
// configured dedup keys. Empty keys selects the per-source-type default of
// internal/normalize (source type, rule and key entities).
func Fingerprint(a *alert.Alert, keys []string) string {
	if len(keys) == 0 {
		return normalize.Fingerprint(*a, normalize.FingerprintKeys(a.Source.Type))
	}
	h := sha256.New()
	write := func(k, v string) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	for _, k := range keys {
		switch {
		case k == "source_type":
			write(k, a.Source.Type)
		case k == "rule_id":
			write(k, a.Rule.ID)
		case k == "rule_name":
			write(k, a.Rule.Name)
		case k == "title":
			write(k, a.Title)
		case k == "source_ref":
			write(k, a.SourceRef)
		case k == "severity":
			write(k, strconv.Itoa(int(a.Severity)))
		case k == "entities" || strings.HasPrefix(k, "entity:"):
			want := strings.TrimPrefix(k, "entity:")
			vals := make([]string, 0, len(a.Entities))
			for _, e := range a.Entities {
				if k == "entities" || string(e.Type) == want {
					vals = append(vals, string(e.Type)+"="+e.Value)
				}
			}
			slices.Sort(vals)
			vals = slices.Compact(vals)
			write(k, strings.Join(vals, "\x1f"))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DedupKey is the fingerprint plus the time bucket of the event, so that
// only alerts within the same window collapse. The database enforces its
// uniqueness per org.
func DedupKey(fingerprint string, eventTime time.Time, window time.Duration) string {
	return bucketKey(fingerprint, window, bucketOf(eventTime, window))
}

func bucketOf(eventTime time.Time, window time.Duration) int64 {
	if window <= 0 {
		window = DefaultDedupWindow
	}
	return eventTime.UTC().UnixNano() / int64(window)
}

func bucketKey(fingerprint string, window time.Duration, bucket int64) string {
	if window <= 0 {
		window = DefaultDedupWindow
	}
	return fingerprint[:min(len(fingerprint), 40)] + ":" + strconv.FormatInt(int64(window/time.Second), 36) + ":" + strconv.FormatInt(bucket, 36)
}

// row is one alert prepared for insertion.
type row struct {
	alert                               alert.Alert
	dedupKey                            string
	sourceID                            string
	window                              time.Duration
	lastEvent                           time.Time // latest event time of the occurrences merged into the row
	count                               int       // occurrences merged from the same batch
	tactics, techniques, tags, unmapped []byte    // JSON; entities are stored only as links (alert_entities)
	warnings                            []string  // quality warnings reported in the record's result
}

func jsonOrEmpty(v any, empty string) []byte {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return []byte(empty)
	}
	return b
}

func newRow(a alert.Alert, sourceID string, keys []string, window time.Duration) row {
	a.Fingerprint = Fingerprint(&a, keys)
	return row{
		alert:      a,
		dedupKey:   DedupKey(a.Fingerprint, a.EventTime, window),
		sourceID:   sourceID,
		window:     window,
		lastEvent:  a.EventTime,
		count:      1,
		tactics:    jsonOrEmpty(a.Tactics, "[]"),
		techniques: jsonOrEmpty(a.Techniques, "[]"),
		tags:       jsonOrEmpty(a.Tags, "[]"),
		unmapped:   jsonOrEmpty(a.Unmapped, "{}"),
	}
}
