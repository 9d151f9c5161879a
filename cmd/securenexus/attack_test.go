package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackRefresh rebuilds the catalog from an operator-supplied STIX
// bundle into the data directory; `attack show` then reads the refreshed
// catalog, not the built-in one.
func TestAttackRefresh(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "enterprise-attack.json")
	if err := os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--1","objects":[
 {"type":"x-mitre-tactic","id":"x-mitre-tactic--1","name":"Initial Access","x_mitre_shortname":"initial-access",
  "external_references":[{"source_name":"mitre-attack","external_id":"TA0001"}]},
 {"type":"attack-pattern","id":"attack-pattern--1","name":"Exploit Public-Facing Application (renamed)",
  "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"initial-access"}],
  "external_references":[{"source_name":"mitre-attack","external_id":"T1190"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "attack", "show", "T1003.001", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "LSASS Memory") {
		t.Fatalf("show built-in: %v\n%s", err, out)
	}
	if out, err := run(t, "attack", "refresh", "--data-dir", dir); err == nil {
		t.Fatalf("refresh without --stix succeeded: %s", out)
	}
	out, err = run(t, "attack", "refresh", "--stix", bundle, "--data-dir", dir)
	if err != nil || !strings.Contains(out, "1 techniques, 1 tactics") {
		t.Fatalf("refresh: %v\n%s", err, out)
	}
	out, err = run(t, "attack", "show", "t1190", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "(renamed)") {
		t.Fatalf("show refreshed: %v\n%s", err, out)
	}
	if out, err := run(t, "attack", "show", "T1003.001", "--data-dir", dir); err == nil {
		t.Fatalf("refreshed catalog still has T1003.001: %s", out)
	}
	if err := os.WriteFile(bundle, []byte(`{"type":"indicator"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "attack", "refresh", "--stix", bundle, "--data-dir", dir); err == nil {
		t.Fatalf("refresh accepted a non-bundle: %s", out)
	}
}
