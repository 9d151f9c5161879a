package attack

import (
	"slices"
	"strings"
	"testing"
)

func TestBuiltinCatalog(t *testing.T) {
	c := Default()
	if c.Len() < 600 || len(c.Tactics()) != 14 {
		t.Fatalf("built-in catalog: %d techniques, %d tactics", c.Len(), len(c.Tactics()))
	}
	if !strings.Contains(c.Source(), "mitre/cti") {
		t.Errorf("source %q does not name MITRE's CTI repository", c.Source())
	}
	te, ok := c.Technique("t1003.001")
	if !ok || te.ID != "T1003.001" || te.Name != "LSASS Memory" || !slices.Equal(te.Tactics, []string{"credential-access"}) {
		t.Errorf("T1003.001 = %+v, %v", te, ok)
	}
	if _, ok := c.Technique("T9999"); ok {
		t.Error("unknown technique found")
	}
	if _, ok := c.Technique("T1003.999"); ok {
		t.Error("unknown sub-technique found")
	}
	tac, ok := c.Tactic("ta0006")
	if !ok || tac.ShortName != "credential-access" || tac.Name != "Credential Access" {
		t.Errorf("TA0006 = %+v, %v", tac, ok)
	}
	if tac, ok := c.Tactic("Credential-Access"); !ok || tac.ID != "TA0006" {
		t.Errorf("by short name = %+v, %v", tac, ok)
	}
	if first, last := c.Tactics()[0].ShortName, c.Tactics()[13].ShortName; first != "reconnaissance" || last != "impact" {
		t.Errorf("tactic order %s..%s", first, last)
	}
	// T1078 Valid Accounts spans four tactics; they come back in kill-chain order, deduplicated.
	got := c.TacticsOf("T1078", "t1078.004", "T1003.001", "bogus", "T9999")
	want := []string{"initial-access", "persistence", "privilege-escalation", "defense-evasion", "credential-access"}
	if !slices.Equal(got, want) {
		t.Errorf("TacticsOf = %q, want %q", got, want)
	}
	for i := 1; i < len(c.Techniques()); i++ {
		if c.Techniques()[i-1].ID >= c.Techniques()[i].ID {
			t.Fatalf("techniques not sorted at %d", i)
		}
	}
}

func TestIDs(t *testing.T) {
	for in, want := range map[string]string{"t1003": "T1003", " T1003.001 ": "T1003.001", "attack.t1059.001": "T1059.001",
		"T100": "", "T1003.1": "", "X1003": "", "T10a3": "", "T1003-001": "", "": ""} {
		got, ok := CanonicalID(in)
		if got != want || ok != (want != "") {
			t.Errorf("CanonicalID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{"ta0001": "TA0001", "TA0043": "TA0043", "TA01": "", "TX0001": "", "TA000a": ""} {
		if got, _ := TacticID(in); got != want {
			t.Errorf("TacticID(%q) = %q, want %q", in, got, want)
		}
	}
	if Parent("t1003.001") != "T1003" || Parent("T1003") != "T1003" || Parent("nope") != "" {
		t.Error("Parent")
	}
	cases := []struct {
		filter, id string
		want       bool
	}{
		{"T1003", "T1003", true}, {"T1003", "T1003.001", true}, {"t1003", "T1003.006", true},
		{"T1003.001", "T1003.001", true}, {"T1003.001", "T1003", false}, {"T1003.001", "T1003.002", false},
		{"T1003", "T1030", false}, {"T1003", "T10030", false}, {"bad", "T1003", false}, {"T1003", "bad", false},
	}
	for _, c := range cases {
		if got := Matches(c.filter, c.id); got != c.want {
			t.Errorf("Matches(%q, %q) = %v", c.filter, c.id, got)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	b, err := Default().JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(builtin) {
		t.Error("JSON() of the built-in catalog differs from enterprise.json: regenerate with go generate ./internal/attack/")
	}
	c, err := Parse(b)
	if err != nil || c.Len() != Default().Len() {
		t.Fatalf("Parse: %v", err)
	}
	for _, bad := range []string{`{}`, `[`, `{"tactics":[{"id":"TA0001","short_name":"initial-access","name":"Initial Access"}],"techniques":[{"id":"T1","name":"x"}]}`,
		`{"tactics":[{"id":"TA0001","short_name":"initial-access","name":"Initial Access"}],"techniques":[{"id":"T1190","name":"x","tactics":["nope"]}]}`,
		`{"tactics":[{"id":"TA0001","short_name":"initial-access","name":"Initial Access"}],"techniques":[{"id":"T1190","name":"x"},{"id":"t1190","name":"y"}]}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) accepted", bad)
		}
	}
}

func TestUse(t *testing.T) {
	c, err := FromCSV("test", strings.NewReader("technique_id,name,tactics,version\nT1190,Exploit Public-Facing Application,initial-access,1.0\n"),
		strings.NewReader("tactic_id,shortname,name\nTA0001,initial-access,Initial Access\n"))
	if err != nil {
		t.Fatal(err)
	}
	Use(c)
	defer Use(nil)
	if Default().Len() != 1 || !Default().Known("t1190") || Default().Known("T1003") {
		t.Errorf("Use did not replace the catalog")
	}
	Use(nil)
	if Default().Len() < 600 {
		t.Error("Use(nil) did not restore the built-in catalog")
	}
}

// stixBundle is a minimal ATT&CK bundle in the shape of MITRE's
// enterprise-attack.json (STIX 2.1, objects attack-pattern,
// x-mitre-tactic, x-mitre-matrix), with a revoked and a deprecated technique.
const stixBundle = `{"type":"bundle","id":"bundle--1","objects":[
 {"type":"x-mitre-matrix","id":"x-mitre-matrix--1","name":"Enterprise ATT&CK","tactic_refs":["x-mitre-tactic--ca","x-mitre-tactic--ex"]},
 {"type":"x-mitre-tactic","id":"x-mitre-tactic--ex","name":"Execution","x_mitre_shortname":"execution",
  "external_references":[{"source_name":"mitre-attack","external_id":"TA0002","url":"https://attack.mitre.org/tactics/TA0002"}]},
 {"type":"x-mitre-tactic","id":"x-mitre-tactic--ca","name":"Credential Access","x_mitre_shortname":"credential-access",
  "external_references":[{"source_name":"mitre-attack","external_id":"TA0006"}]},
 {"type":"attack-pattern","id":"attack-pattern--1","name":"OS Credential Dumping",
  "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"credential-access"}],
  "external_references":[{"source_name":"mitre-attack","external_id":"T1003"},{"source_name":"capec","external_id":"CAPEC-567"}]},
 {"type":"attack-pattern","id":"attack-pattern--2","name":"LSASS Memory","x_mitre_is_subtechnique":true,
  "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"credential-access"}],
  "external_references":[{"source_name":"mitre-attack","external_id":"T1003.001"}]},
 {"type":"attack-pattern","id":"attack-pattern--3","name":"Command and Scripting Interpreter",
  "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"},{"kill_chain_name":"other","phase_name":"x"}],
  "external_references":[{"source_name":"mitre-attack","external_id":"T1059"}]},
 {"type":"attack-pattern","id":"attack-pattern--4","name":"Old","revoked":true,"external_references":[{"source_name":"mitre-attack","external_id":"T1086"}]},
 {"type":"attack-pattern","id":"attack-pattern--5","name":"Older","x_mitre_deprecated":true,"external_references":[{"source_name":"mitre-attack","external_id":"T1064"}]},
 {"type":"relationship","id":"relationship--1","relationship_type":"subtechnique-of","source_ref":"attack-pattern--2","target_ref":"attack-pattern--1"}
]}`

func TestFromSTIX(t *testing.T) {
	c, err := FromSTIX("test bundle", strings.NewReader(stixBundle))
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 3 || c.Known("T1086") || c.Known("T1064") {
		t.Errorf("techniques: %+v", c.Techniques())
	}
	if got := c.Tactics(); len(got) != 2 || got[0].ShortName != "credential-access" || got[1].ID != "TA0002" {
		t.Errorf("tactics (matrix order): %+v", got)
	}
	if te, _ := c.Technique("T1059"); !slices.Equal(te.Tactics, []string{"execution"}) {
		t.Errorf("T1059 tactics %q", te.Tactics)
	}
	if tac, ok := c.Tactic("TA0002"); !ok || tac.ShortName != "execution" {
		t.Errorf("tactic index after reorder: %+v", tac)
	}
	for _, bad := range []string{`{"type":"indicator"}`, `nope`, `{"type":"bundle","objects":[]}`} {
		if _, err := FromSTIX("x", strings.NewReader(bad)); err == nil {
			t.Errorf("FromSTIX(%s) accepted", bad)
		}
	}
}

func FuzzFromSTIX(f *testing.F) {
	f.Add([]byte(stixBundle))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"attack-pattern"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := FromSTIX("fuzz", strings.NewReader(string(b)))
		if err != nil {
			return
		}
		for _, te := range c.Techniques() {
			if id, ok := CanonicalID(te.ID); !ok || id != te.ID {
				t.Fatalf("invalid technique id %q", te.ID)
			}
		}
	})
}

func FuzzCanonicalID(f *testing.F) {
	for _, s := range []string{"T1003", "t1003.001", "attack.T1059", "TA0001", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := CanonicalID(s)
		if ok && (len(id) != 5 && len(id) != 9 || id[0] != 'T' || Parent(id) != id[:5] || !Matches(id[:5], id)) {
			t.Fatalf("CanonicalID(%q) = %q", s, id)
		}
	})
}
