package incident

import (
	"strings"
	"testing"
)

// Mentions never panics and returns only ids written as <@id> in the body.
func FuzzMentions(f *testing.F) {
	f.Add("hi <@0193a5b2-7c1e-7d00-8000-000000000001> and <@bad>")
	f.Add("<@<@>>")
	f.Fuzz(func(t *testing.T, body string) {
		for _, u := range Mentions(body) {
			if !strings.Contains(strings.ToLower(body), "<@"+u.String()+">") {
				t.Fatalf("mention %s not in body", u)
			}
		}
	})
}
