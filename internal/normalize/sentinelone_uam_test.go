package normalize

import (
	"testing"

	"github.com/securenexus/securenexus/internal/alert"
)

// The UAM GraphQL API answers one alert as {"data":{"alert":…}}, a page as
// a connection, and an empty page with no edges; a node may also be sent
// bare. Each is detected as SentinelOne and read the same way.
func TestSentinelOneUAMShapes(t *testing.T) {
	node := `{"id":"019a0c1e-0000-7000-8000-000000000001","name":"Ransomware behaviour","severity":"CRITICAL","status":"IN_PROGRESS",` +
		`"detectedAt":"2025-06-04T01:02:03Z","detectionSource":{"product":"EDR","vendor":"SentinelOne"},` +
		`"assets":[{"name":"srv-files-1"}],"process":{"username":"svc-backup","file":{"path":"/usr/bin/encryptor"}}}`
	for name, c := range map[string]struct {
		payload string
		count   int
	}{
		"single answer":           {`{"data":{"alert":` + node + `}}`, 1},
		"bare node":               {node, 1},
		"node list":               {`[` + node + `,` + node + `]`, 2},
		"connection without data": {`{"alerts":{"edges":[{"cursor":"a","node":` + node + `}]}}`, 1},
		"empty page":              {`{"data":{"alerts":{"edges":[],"pageInfo":{"hasNextPage":false},"totalCount":0}}}`, 0},
	} {
		t.Run(name, func(t *testing.T) {
			if got := Detect([]byte(c.payload)); got != "sentinelone" {
				t.Fatalf("Detect = %q", got)
			}
			as, err := Normalize("sentinelone", []byte(c.payload))
			if err != nil || len(as) != c.count {
				t.Fatalf("Normalize: %d alerts, %v", len(as), err)
			}
			for _, a := range as {
				checkAlert(t, a)
				checkWant(t, a, want{title: "Ransomware behaviour", sev: alert.SeverityCritical, status: alert.StatusTriaged,
					eventTime: "2025-06-04T01:02:03Z", sourceRef: "019a0c1e-0000-7000-8000-000000000001",
					entities: []ent{{Type: "hostname", Value: "srv-files-1", Role: "host"}, {Type: "user", Value: "svc-backup", Role: "actor"},
						{Type: "process", Value: "/usr/bin/encryptor", Role: "process"}}})
			}
		})
	}
}
