// Package events is the event outbox and live fan-out of SecureNexus.
//
// A domain change appends typed, versioned events (Append) inside its own
// transaction. Just before that transaction commits, the events get their
// per-org sequence numbers and are written to the org-scoped events table,
// every consumer registered for their kind gets a River job in the same
// transaction, and on PostgreSQL a NOTIFY tells the other replicas. Only
// after the commit are they published to the in-process Hub, which feeds
// the live stream. A rolled-back change leaves no trace.
//
// Kinds are declared with Register (package-level variables, no init()),
// which also feeds the generated docs/events.md.
package events

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"sync"

	"github.com/securenexus/securenexus/internal/rbac"
)

// Kind is a versioned event kind name, "<noun>.<verb>.v<N>", for example
// "alert.updated.v1". A payload change that is not backwards compatible is
// a new version, never an edit of an existing one.
type Kind string

// KindInfo describes a registered kind.
type KindInfo struct {
	Kind        Kind
	Description string
	// Permission is what a live-stream subscriber needs to receive events
	// of this kind.
	Permission rbac.Permission
	// Payload is the Go type of the payload (a struct encoded as JSON).
	Payload reflect.Type
}

// Def is a registered kind whose payload type is P.
type Def[P any] struct{ kind Kind }

// Kind returns the kind's name.
func (d Def[P]) Kind() Kind { return d.kind }

// Decode returns the typed payload of e, which must be of this kind.
func (d Def[P]) Decode(e Event) (P, error) {
	var p P
	if e.Kind != d.kind {
		return p, fmt.Errorf("events: decode %s as %s", e.Kind, d.kind)
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return p, fmt.Errorf("events: decode %s payload: %w", e.Kind, err)
	}
	return p, nil
}

var kindName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$`)

var registry = struct {
	sync.RWMutex
	kinds map[Kind]KindInfo
}{kinds: map[Kind]KindInfo{}}

// Register declares a kind with its payload type P, a description (one
// sentence, shown in docs/events.md) and the permission a stream subscriber
// needs to receive it. Call it from a package-level variable:
//
//	var IncidentOpened = events.Register[IncidentOpenedV1]("incident.opened.v1", "An incident was opened.", rbac.IncidentsRead)
//
// It panics on a malformed or duplicate name, an unknown permission or a
// payload that is not a struct: these are programming errors caught by any
// test that loads the package.
func Register[P any](kind Kind, description string, read rbac.Permission) Def[P] {
	if !kindName.MatchString(string(kind)) {
		panic(fmt.Sprintf("events: kind %q is not <noun>.<verb>.v<N>", kind))
	}
	if !read.Valid() {
		panic(fmt.Sprintf("events: kind %s: unknown permission %q", kind, read))
	}
	if description == "" {
		panic(fmt.Sprintf("events: kind %s needs a description", kind))
	}
	t := reflect.TypeFor[P]()
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("events: kind %s: payload %s is not a struct", kind, t))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.kinds[kind]; dup {
		panic(fmt.Sprintf("events: kind %s registered twice", kind))
	}
	registry.kinds[kind] = KindInfo{Kind: kind, Description: description, Permission: read, Payload: t}
	return Def[P]{kind: kind}
}

// Kinds returns every registered kind sorted by name.
func Kinds() []KindInfo {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]KindInfo, 0, len(registry.kinds))
	for _, k := range registry.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// Lookup returns the registered kind named k.
func Lookup(k Kind) (KindInfo, bool) {
	registry.RLock()
	defer registry.RUnlock()
	info, ok := registry.kinds[k]
	return info, ok
}
