package crosstenant

import (
	"maps"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
)

// Org is one tenant of the suite: its owner (a user session) and an API key
// holding every permission.
type Org struct {
	Name  string
	ID    uuid.UUID
	Owner identitytest.Member
	Key   identitytest.APIKey
}

// Env is the booted application the suite runs against.
type Env struct {
	App *app.App
	DB  *db.DB
	URL string
}

// Fixture makes one kind of org-scoped object.
type Fixture struct {
	// Create makes a new object in org and returns the value that addresses
	// it in a path parameter (for a marker: a string only org may ever
	// see). It must be distinctive (at least 16 characters, e.g. a UUID):
	// the suite searches response bodies for it. ids holds the objects the
	// fixtures with fewer path parameters made in the same org (parents of
	// nested routes), keyed by fixture key.
	Create func(t testing.TB, e *Env, org *Org, ids map[string]string) string
	// Missing returns a well-formed value that addresses no object (default:
	// a fresh UUID).
	Missing func() string
	// Unlisted is true when no list route shows the object to its own org;
	// otherwise the suite checks that some list does (so that "org A's
	// list does not show it" means something).
	Unlisted bool
}

// Registry is what the suite knows about the application's routes.
type Registry struct {
	// Fixtures by key: the route path up to and including the parameter
	// ("/api/v1/org/roles/{id}"), or just the parameter ("{alertId}") for
	// a parameter name used by one resource only. Keys starting with
	// "marker:" are objects with no route parameter (audit entries) that
	// must still never show up in another org's lists.
	Fixtures map[string]Fixture
	// Bodies by operation id: a valid request body for the operation,
	// aimed at target's objects (ids keyed by fixture key). Required for
	// every org-scoped operation with a path parameter and a request body.
	Bodies map[string]func(t testing.TB, e *Env, target *Org, ids map[string]string) string
	// NoControl by operation id: why the owning org cannot run the
	// operation successfully on a fresh fixture (documented exemption from
	// the positive control).
	NoControl map[string]string
	// Probes by operation id: operations that name objects in their body
	// or query rather than their path (bulk updates, "source_id=").
	Probes map[string]Probe
	// ListQueries by operation id: the query string (without "?") for a
	// list route that needs parameters to answer 2xx.
	ListQueries map[string]string
	// AppendOnlyLists are list paths that only grow (the audit log); they
	// are left out of the "org B's objects unchanged" snapshot.
	AppendOnlyLists map[string]bool
}

// defaults is filled by each module's fixtures_<module>_test.go init.
var defaults = Registry{
	Fixtures:        map[string]Fixture{},
	Bodies:          map[string]func(testing.TB, *Env, *Org, map[string]string) string{},
	NoControl:       map[string]string{},
	Probes:          map[string]Probe{},
	ListQueries:     map[string]string{},
	AppendOnlyLists: map[string]bool{},
}

// Probe aims an operation without a path parameter at one object: org A
// naming org B's object must get what naming a missing object gets (a
// 4xx), and org B naming its own must succeed.
type Probe struct {
	// Fixture is the key of the fixture whose object the probe names.
	Fixture string
	// Request returns the query string (without "?") and body naming id.
	Request func(id string) (query, body string)
}

// Clone copies r so a test can add to it.
func (r Registry) Clone() Registry {
	return Registry{
		Fixtures: maps.Clone(r.Fixtures), Bodies: maps.Clone(r.Bodies),
		NoControl: maps.Clone(r.NoControl), Probes: maps.Clone(r.Probes),
		ListQueries: maps.Clone(r.ListQueries), AppendOnlyLists: maps.Clone(r.AppendOnlyLists),
	}
}

// principal is who sends a request.
type principal struct {
	name  string
	apply func(*http.Request)
}

func sessionOf(o *Org) principal {
	return principal{name: o.Name + " owner session", apply: o.Owner.Apply}
}

func keyOf(o *Org) principal {
	return principal{name: o.Name + " API key", apply: o.Key.Apply}
}
