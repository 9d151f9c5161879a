// Package plugin is the typed registry the product's plugin families
// (normalizers today; connectors, notifiers, enrichers next) are kept in.
// A Registry[T] holds one family: each entry is an implementation of T with
// its Meta (kind, name, display name, config schema, capabilities).
// Registries are filled explicitly where modules are wired, never from
// init(); plugintest holds the contract suite every family reuses.
package plugin

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// Kind names a plugin family ("normalizer", "connector", ...).
type Kind string

// Capability is something a plugin can do, declared in its Meta so callers
// can select plugins without type switches ("detect", "batch", ...).
type Capability string

// Meta describes one plugin.
type Meta struct {
	Kind         Kind
	Name         string // unique within the family, lower-case [a-z0-9_-], e.g. "guardduty"
	DisplayName  string // for people, e.g. "Amazon GuardDuty"
	Description  string
	ConfigSchema json.RawMessage // JSON Schema of the plugin's configuration; nil when it takes none
	Capabilities []Capability
}

// Has reports whether the plugin declares capability c.
func (m Meta) Has(c Capability) bool { return slices.Contains(m.Capabilities, c) }

// Validate checks the metadata is complete and well-formed for kind.
func (m Meta) Validate(kind Kind) error {
	if m.Kind != kind {
		return fmt.Errorf("plugin %q: kind %q, want %q", m.Name, m.Kind, kind)
	}
	if !validName(m.Name) {
		return fmt.Errorf("plugin %q: name must be 1-64 characters of [a-z0-9_-]", m.Name)
	}
	if m.DisplayName == "" {
		return fmt.Errorf("plugin %q: display name is required", m.Name)
	}
	if m.ConfigSchema != nil {
		var schema map[string]json.RawMessage
		if err := json.Unmarshal(m.ConfigSchema, &schema); err != nil {
			return fmt.Errorf("plugin %q: config schema is not a JSON object: %w", m.Name, err)
		}
	}
	for _, c := range m.Capabilities {
		if !validName(string(c)) {
			return fmt.Errorf("plugin %q: capability %q must be [a-z0-9_-]", m.Name, c)
		}
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Entry is one registered plugin.
type Entry[T any] struct {
	Meta Meta
	Impl T
}

// Registry holds one plugin family. It is safe for concurrent use; lookups
// take a read lock only.
type Registry[T any] struct {
	kind    Kind
	mu      sync.RWMutex
	entries map[string]Entry[T]
}

// New returns an empty registry for family kind.
func New[T any](kind Kind) *Registry[T] {
	return &Registry[T]{kind: kind, entries: map[string]Entry[T]{}}
}

// Kind is the family the registry holds.
func (r *Registry[T]) Kind() Kind { return r.kind }

// Register adds a plugin. Invalid metadata and a name registered twice are
// errors.
func (r *Registry[T]) Register(m Meta, impl T) error {
	if m.Kind == "" {
		m.Kind = r.kind
	}
	if err := m.Validate(r.kind); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.entries[m.Name]; dup {
		return fmt.Errorf("%s plugin %q registered twice", r.kind, m.Name)
	}
	m.Capabilities = slices.Clone(m.Capabilities)
	r.entries[m.Name] = Entry[T]{Meta: m, Impl: impl}
	return nil
}

// Get returns the implementation registered as name.
func (r *Registry[T]) Get(name string) (T, bool) {
	r.mu.RLock()
	e, ok := r.entries[name]
	r.mu.RUnlock()
	return e.Impl, ok
}

// Meta returns the metadata of the plugin registered as name.
func (r *Registry[T]) Meta(name string) (Meta, bool) {
	r.mu.RLock()
	e, ok := r.entries[name]
	r.mu.RUnlock()
	return e.Meta, ok
}

// Names lists the registered names, sorted.
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	out := make([]string, 0, len(r.entries))
	for k := range r.entries {
		out = append(out, k)
	}
	r.mu.RUnlock()
	slices.Sort(out)
	return out
}

// Entries lists every plugin, sorted by name.
func (r *Registry[T]) Entries() []Entry[T] {
	names := r.Names()
	out := make([]Entry[T], 0, len(names))
	r.mu.RLock()
	for _, n := range names {
		out = append(out, r.entries[n])
	}
	r.mu.RUnlock()
	return out
}

// Len is the number of registered plugins.
func (r *Registry[T]) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.entries)
}
