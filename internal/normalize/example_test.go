package normalize_test

import (
	"fmt"

	"github.com/securenexus/securenexus/internal/normalize"
)

func ExampleNormalize() {
	raw := []byte(`{"timestamp":"2024-03-01T10:00:00.000000+0000","event_type":"alert","src_ip":"198.51.100.7",` +
		`"dest_ip":"10.0.0.5","alert":{"signature_id":2100498,"signature":"GPL ATTACK_RESPONSE id check returned root",` +
		`"severity":1,"metadata":{"mitre_technique_id":["T1059"]}}}`)
	alerts, err := normalize.Normalize("auto", raw) // detected as "suricata"
	if err != nil {
		fmt.Println(err)
		return
	}
	a := alerts[0]
	fmt.Println(a.Source.Type, a.Severity, a.Rule.ID, a.Techniques, a.EventTime)
	for _, e := range a.Entities {
		fmt.Println(e.Role, e.Type, e.Value)
	}
	fp := normalize.Fingerprint(a, normalize.FingerprintKeys(a.Source.Type))
	fmt.Println(len(fp))
	// Output:
	// suricata high 2100498 [T1059] 2024-03-01 10:00:00 +0000 UTC
	// src ip 198.51.100.7
	// dst ip 10.0.0.5
	// 64
}
