package attack

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// FromCSV builds a catalog from the ATT&CK tables (techniques.csv:
// technique_id,name,tactics(;-separated),version; tactics.csv:
// tactic_id,shortname,name). source names their origin.
func FromCSV(source string, techniques, tactics io.Reader) (*Catalog, error) {
	tacRows, err := readCSV(tactics, []string{"tactic_id", "shortname", "name"})
	if err != nil {
		return nil, fmt.Errorf("tactics.csv: %w", err)
	}
	techRows, err := readCSV(techniques, []string{"technique_id", "name", "tactics"})
	if err != nil {
		return nil, fmt.Errorf("techniques.csv: %w", err)
	}
	tacs := make([]Tactic, 0, len(tacRows))
	for _, r := range tacRows {
		tacs = append(tacs, Tactic{ID: r[0], ShortName: r[1], Name: r[2]})
	}
	techs := make([]Technique, 0, len(techRows))
	for _, r := range techRows {
		var list []string
		for _, t := range strings.Split(r[2], ";") {
			if t = strings.TrimSpace(t); t != "" {
				list = append(list, t)
			}
		}
		techs = append(techs, Technique{ID: r[0], Name: r[1], Tactics: list})
	}
	return build(source, tacs, techs)
}

func readCSV(r io.Reader, header []string) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) < len(header) || !slices.Equal(rows[0][:len(header)], header) {
		return nil, fmt.Errorf("want a header starting %s", strings.Join(header, ","))
	}
	out := rows[1:]
	for i, r := range out {
		if len(r) < len(header) {
			return nil, fmt.Errorf("line %d: %d fields, want at least %d", i+2, len(r), len(header))
		}
	}
	return out, nil
}

// stixObject holds the members of a STIX 2.x object the catalog reads.
type stixObject struct {
	Type               string `json:"type"`
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Revoked            bool   `json:"revoked"`
	Deprecated         bool   `json:"x_mitre_deprecated"`
	ShortName          string `json:"x_mitre_shortname"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
	} `json:"external_references"`
	KillChainPhases []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
}

func (o stixObject) mitreID() string {
	for _, r := range o.ExternalReferences {
		if r.SourceName == "mitre-attack" {
			return r.ExternalID
		}
	}
	return ""
}

// FromSTIX builds a catalog from a MITRE ATT&CK STIX 2.x bundle
// (enterprise-attack.json of github.com/mitre/cti or the ATT&CK
// Workbench): attack-pattern objects (revoked and deprecated ones are left
// out) and x-mitre-tactic objects, tactics ordered by the x-mitre-matrix.
func FromSTIX(source string, r io.Reader) (*Catalog, error) {
	var bundle struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.NewDecoder(r).Decode(&bundle); err != nil {
		return nil, fmt.Errorf("decode STIX bundle: %w", err)
	}
	if bundle.Type != "bundle" {
		return nil, errors.New("not a STIX bundle (type must be \"bundle\")")
	}
	var (
		tacs       []Tactic
		techs      []Technique
		tacByRef   = map[string]string{}
		matrixRefs []string
	)
	for i, raw := range bundle.Objects {
		var o stixObject
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		if o.Revoked || o.Deprecated {
			continue
		}
		switch o.Type {
		case "x-mitre-tactic":
			tacs = append(tacs, Tactic{ID: o.mitreID(), ShortName: o.ShortName, Name: o.Name})
			tacByRef[o.ID] = o.ShortName
		case "x-mitre-matrix":
			var m struct {
				TacticRefs []string `json:"tactic_refs"`
			}
			if err := json.Unmarshal(raw, &m); err == nil && len(matrixRefs) == 0 {
				matrixRefs = m.TacticRefs
			}
		case "attack-pattern":
			id := o.mitreID()
			if id == "" {
				continue
			}
			var list []string
			for _, p := range o.KillChainPhases {
				if p.KillChainName == "mitre-attack" && !slices.Contains(list, p.PhaseName) {
					list = append(list, p.PhaseName)
				}
			}
			techs = append(techs, Technique{ID: id, Name: o.Name, Tactics: list})
		}
	}
	c, err := build(source, tacs, techs)
	if err != nil {
		return nil, err
	}
	if len(matrixRefs) > 0 {
		order := make([]string, 0, len(matrixRefs))
		for _, ref := range matrixRefs {
			if s, ok := tacByRef[ref]; ok {
				order = append(order, s)
			}
		}
		slices.SortStableFunc(c.tactics, func(a, b Tactic) int {
			return indexOr(order, a.ShortName) - indexOr(order, b.ShortName)
		})
		for i, t := range c.tactics {
			c.tacticIdx[t.ID], c.tacticIdx[t.ShortName] = i, i
		}
	}
	return c, nil
}

func indexOr(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}
