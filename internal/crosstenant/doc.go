// Package crosstenant holds the cross-tenant isolation suite (its tests):
// it boots the whole application on SQLite and on PostgreSQL, walks every
// operation of the OpenAPI document marked x-org-scoped (and every
// Authenticated, per-user one), and proves that a user or API key of org A
// can neither read, list, change nor delete org B's objects, and that acting
// in org B by naming it in X-Org-ID is refused.
//
// Objects are made by fixtures registered per path parameter (see
// fixtures_*_test.go and docs/security.md, "Cross-tenant isolation suite");
// an org-scoped route whose path parameter has no fixture fails the suite,
// so routes added later are covered or loudly not.
package crosstenant
