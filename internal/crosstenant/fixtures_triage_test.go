package crosstenant

import "testing"

// Alert comments (the alert fixture serves /api/v1/alerts/{id}/...).
func init() {
	defaults.Bodies["create-alert-comment"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"body":"crosstenant comment"}`
	}
}
