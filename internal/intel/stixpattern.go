package intel

import "strings"

// STIXPattern returns the STIX 2.1 pattern of one indicator value
// ("[ipv4-addr:value = '203.0.113.7']"), the inverse of ParseSTIX's
// reading of equality comparisons. JA3 and JA4 have no STIX object path:
// ok is false for them.
func STIXPattern(t Type, value string) (pattern string, ok bool) {
	var path string
	switch t {
	case TypeIPv4:
		path = "ipv4-addr:value"
	case TypeIPv6:
		path = "ipv6-addr:value"
	case TypeCIDR:
		path = "ipv4-addr:value"
		if strings.Contains(value, ":") {
			path = "ipv6-addr:value"
		}
	case TypeDomain:
		path = "domain-name:value"
	case TypeURL:
		path = "url:value"
	case TypeEmail:
		path = "email-addr:value"
	case TypeMD5:
		path = "file:hashes.MD5"
	case TypeSHA1:
		path = "file:hashes.'SHA-1'"
	case TypeSHA256:
		path = "file:hashes.'SHA-256'"
	case TypeFile:
		path = "file:name"
	default:
		return "", false
	}
	var b strings.Builder
	b.Grow(len(path) + len(value) + 8)
	b.WriteByte('[')
	b.WriteString(path)
	b.WriteString(" = '")
	for i := 0; i < len(value); i++ {
		if c := value[i]; c == '\'' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(value[i])
	}
	b.WriteString("']")
	return b.String(), true
}
