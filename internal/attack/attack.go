// Package attack is the product's built-in MITRE ATT&CK Enterprise
// mapping: technique and sub-technique ids with their names and tactics,
// and the tactic table. The data (enterprise.json) is generated from
// MITRE's public CTI repository (go generate reads the CSV tables beside
// the repository; `securenexus attack refresh --stix bundle.json` rebuilds
// it from a STIX bundle an operator supplies).
//
// MITRE ATT&CK® is a registered trademark of The MITRE Corporation. ATT&CK
// content is published under MITRE's terms of use (royalty-free, with
// attribution): show Attribution wherever technique or tactic names are
// displayed.
package attack

import (
	"bytes"
	_ "embed" // the built-in catalog
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

//go:generate go run ./gen -csv ../../../shared/attack -out enterprise.json

// Attribution is the notice shown wherever ATT&CK names are displayed.
const Attribution = "MITRE ATT&CK® content © The MITRE Corporation, used under MITRE's terms of use (https://attack.mitre.org/resources/legal-and-branding/terms-of-use/). ATT&CK® is a registered trademark of The MITRE Corporation."

// Tactic is one ATT&CK tactic.
type Tactic struct {
	ID        string `json:"id"`         // "TA0006"
	ShortName string `json:"short_name"` // "credential-access"
	Name      string `json:"name"`       // "Credential Access"
}

// Technique is one ATT&CK technique or sub-technique.
type Technique struct {
	ID      string   `json:"id"`      // "T1003.001"
	Name    string   `json:"name"`    // "LSASS Memory"
	Tactics []string `json:"tactics"` // tactic short names, in MITRE's order
}

// Catalog is an immutable ATT&CK mapping.
type Catalog struct {
	source     string
	tactics    []Tactic // kill-chain order
	techniques []Technique
	byID       map[string]int // technique id -> index
	tacticIdx  map[string]int // short name and TA id -> index
}

// catalogFile is the serialized form (enterprise.json).
type catalogFile struct {
	Source     string      `json:"source"`
	Tactics    []Tactic    `json:"tactics"`
	Techniques []Technique `json:"techniques"`
}

//go:embed enterprise.json
var builtin []byte

var (
	current     atomic.Pointer[Catalog]
	builtinOnce = sync.OnceValue(func() *Catalog {
		c, err := Parse(builtin)
		if err != nil {
			panic(fmt.Sprintf("attack: embedded enterprise.json: %v", err)) // a build defect, caught by tests
		}
		return c
	})
)

// Default returns the catalog in use: the built-in one unless Use replaced it.
func Default() *Catalog {
	if c := current.Load(); c != nil {
		return c
	}
	return builtinOnce()
}

// Use replaces the catalog in use (an operator-refreshed mapping loaded at
// start-up). A nil catalog restores the built-in one.
func Use(c *Catalog) { current.Store(c) }

// LoadFile reads a catalog written by `securenexus attack refresh`. A
// missing file is reported with ok false and no error.
func LoadFile(path string) (c *Catalog, ok bool, err error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read ATT&CK catalog: %w", err)
	}
	c, err = Parse(b)
	if err != nil {
		return nil, false, fmt.Errorf("ATT&CK catalog %s: %w", path, err)
	}
	return c, true, nil
}

// Parse reads the serialized catalog form.
func Parse(b []byte) (*Catalog, error) {
	var f catalogFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("decode catalog: %w", err)
	}
	return build(f.Source, f.Tactics, f.Techniques)
}

// killChain is the Enterprise matrix's tactic order, used when a source
// does not give one.
var killChain = []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection",
	"command-and-control", "exfiltration", "impact"}

func build(source string, tactics []Tactic, techniques []Technique) (*Catalog, error) {
	if len(tactics) == 0 || len(techniques) == 0 {
		return nil, fmt.Errorf("catalog has %d tactics and %d techniques; want both", len(tactics), len(techniques))
	}
	c := &Catalog{source: source, tacticIdx: make(map[string]int, 2*len(tactics)), byID: make(map[string]int, len(techniques))}
	c.tactics = slices.Clone(tactics)
	slices.SortStableFunc(c.tactics, func(a, b Tactic) int { return rank(a.ShortName) - rank(b.ShortName) })
	for i, t := range c.tactics {
		id, ok := TacticID(t.ID)
		if !ok || t.ShortName == "" || t.Name == "" {
			return nil, fmt.Errorf("tactic %q: want an id TA0000, a short name and a name", t.ID)
		}
		c.tactics[i].ID = id
		c.tacticIdx[id] = i
		c.tacticIdx[t.ShortName] = i
	}
	c.techniques = make([]Technique, 0, len(techniques))
	for _, t := range techniques {
		id, ok := CanonicalID(t.ID)
		if !ok || t.Name == "" {
			return nil, fmt.Errorf("technique %q: want an id T0000[.000] and a name", t.ID)
		}
		if _, dup := c.byID[id]; dup {
			return nil, fmt.Errorf("technique %s listed twice", id)
		}
		for _, tac := range t.Tactics {
			if _, ok := c.tacticIdx[tac]; !ok {
				return nil, fmt.Errorf("technique %s: unknown tactic %q", id, tac)
			}
		}
		c.byID[id] = len(c.techniques)
		c.techniques = append(c.techniques, Technique{ID: id, Name: t.Name, Tactics: slices.Clone(t.Tactics)})
	}
	slices.SortFunc(c.techniques, func(a, b Technique) int { return strings.Compare(a.ID, b.ID) })
	for i, t := range c.techniques {
		c.byID[t.ID] = i
	}
	return c, nil
}

func rank(short string) int {
	if i := slices.Index(killChain, short); i >= 0 {
		return i
	}
	return len(killChain)
}

// JSON serializes the catalog in the form Parse reads (enterprise.json).
func (c *Catalog) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(catalogFile{Source: c.source, Tactics: c.tactics, Techniques: c.techniques}); err != nil {
		return nil, fmt.Errorf("encode catalog: %w", err)
	}
	return buf.Bytes(), nil
}

// Source says where the catalog's data came from (for display with Attribution).
func (c *Catalog) Source() string { return c.source }

// Len is the number of techniques and sub-techniques.
func (c *Catalog) Len() int { return len(c.techniques) }

// Techniques lists every technique, sorted by id. The slice is shared: do
// not modify it.
func (c *Catalog) Techniques() []Technique { return c.techniques }

// Tactics lists the tactics in kill-chain order. The slice is shared: do
// not modify it.
func (c *Catalog) Tactics() []Tactic { return c.tactics }

// Technique looks up a technique by id in any case ("t1003.001").
func (c *Catalog) Technique(id string) (Technique, bool) {
	id, ok := CanonicalID(id)
	if !ok {
		return Technique{}, false
	}
	i, ok := c.byID[id]
	if !ok {
		return Technique{}, false
	}
	return c.techniques[i], true
}

// Tactic looks up a tactic by short name ("credential-access") or id ("TA0006", any case).
func (c *Catalog) Tactic(key string) (Tactic, bool) {
	key = strings.TrimSpace(key)
	if id, ok := TacticID(key); ok {
		key = id
	} else {
		key = strings.ToLower(key)
	}
	i, ok := c.tacticIdx[key]
	if !ok {
		return Tactic{}, false
	}
	return c.tactics[i], true
}

// Known reports whether id is a technique of the catalog (any case).
func (c *Catalog) Known(id string) bool {
	_, ok := c.Technique(id)
	return ok
}

// TacticsOf returns the tactic short names of the given technique ids,
// deduplicated, in kill-chain order. Unknown ids contribute nothing.
func (c *Catalog) TacticsOf(ids ...string) []string {
	var seen []int
	for _, id := range ids {
		t, ok := c.Technique(id)
		if !ok {
			continue
		}
		for _, tac := range t.Tactics {
			if i := c.tacticIdx[tac]; !slices.Contains(seen, i) {
				seen = append(seen, i)
			}
		}
	}
	slices.Sort(seen)
	out := make([]string, len(seen))
	for k, i := range seen {
		out[k] = c.tactics[i].ShortName
	}
	return out
}

// CanonicalID upper-cases and validates a technique id against
// ^T\d{4}(\.\d{3})?$ ("t1190" -> "T1190", "attack.t1059.001" ->
// "T1059.001"). It checks the syntax only; Catalog.Known checks existence.
func CanonicalID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "attack.") {
		s = s[7:]
	}
	if len(s) != 5 && len(s) != 9 {
		return "", false
	}
	if s[0] != 'T' && s[0] != 't' {
		return "", false
	}
	for i := 1; i < len(s); i++ {
		if i == 5 {
			if s[i] != '.' {
				return "", false
			}
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if s[0] == 't' {
		return "T" + s[1:], true
	}
	return s, true
}

// TacticID upper-cases and validates a tactic id ("ta0006" -> "TA0006").
func TacticID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 6 || !strings.EqualFold(s[:2], "TA") {
		return "", false
	}
	for i := 2; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return "TA" + s[2:], true
}

// Parent returns the technique a sub-technique belongs to ("T1003.001" ->
// "T1003"); a technique id is its own parent. Invalid ids give "".
func Parent(id string) string {
	id, ok := CanonicalID(id)
	if !ok {
		return ""
	}
	return id[:5]
}

// Matches reports whether technique id is selected by filter: a technique
// filter ("T1003") selects itself and its sub-techniques ("T1003.001"); a
// sub-technique filter selects only itself. Both are case-insensitive.
func Matches(filter, id string) bool {
	f, ok := CanonicalID(filter)
	if !ok {
		return false
	}
	id, ok = CanonicalID(id)
	if !ok {
		return false
	}
	if len(f) == 5 {
		return id[:5] == f
	}
	return id == f
}

// Lookup looks up a technique in the catalog in use.
func Lookup(id string) (Technique, bool) { return Default().Technique(id) }
