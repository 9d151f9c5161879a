// Package invariants holds whole-tree tests: properties of the entire
// application or source tree that no single package can check for itself
// (every org-scoped table under forced row-level security, both migration
// dialects in step, the import rules between layers, the API's text rule on
// every operation). It has no non-test code.
package invariants
