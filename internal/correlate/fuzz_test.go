package correlate

import (
	"encoding/json"
	"testing"
)

// A rule definition (JSON with a CEL condition) from an org never panics
// validation; a valid one compiles to a program.
func FuzzRuleValidate(f *testing.F) {
	for _, r := range Shipped() {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	f.Add([]byte(`{"key":"x","name":"x","kind":"burst","group_by":["rule_id"],"window_seconds":60,"min_count":1,"outcome":"attach","condition":"alert.title.matches('(')"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r CorrelationRule
		if json.Unmarshal(b, &r) != nil {
			return
		}
		if r.Validate("body.") == nil {
			if _, err := compile(r.Condition); err != nil {
				t.Fatalf("valid rule does not compile: %v", err)
			}
		}
	})
}
