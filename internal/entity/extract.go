package entity

import (
	"strings"
	"unicode/utf8"

	"github.com/securenexus/securenexus/internal/alert"
)

// Extract scans free text and returns the entities found (role "related").
func Extract(text string) []alert.Entity {
	var s Set
	s.Scan(text)
	return s.Entities()
}

// fileExtensions are last labels that make a dotted token a file name rather
// than a domain in free text, even when they are also real TLDs (.sh, .py,
// .zip, .so, .pl, .md, .rs ...).
var fileExtensions = map[string]bool{
	"exe": true, "dll": true, "sys": true, "bat": true, "cmd": true, "ps1": true,
	"vbs": true, "js": true, "jse": true, "hta": true, "scr": true, "msi": true, "lnk": true,
	"sh": true, "py": true, "pl": true, "rb": true, "php": true, "jsp": true, "asp": true, "aspx": true,
	"zip": true, "rar": true, "7z": true, "gz": true, "tar": true, "tgz": true, "jar": true, "apk": true,
	"doc": true, "docx": true, "docm": true, "xls": true, "xlsx": true, "xlsm": true, "ppt": true, "pptx": true,
	"pdf": true, "rtf": true, "txt": true, "log": true, "csv": true, "json": true, "xml": true, "yml": true,
	"yaml": true, "ini": true, "cfg": true, "conf": true, "dat": true, "bin": true, "tmp": true, "bak": true,
	"so": true, "ko": true, "md": true, "rs": true, "go": true, "html": true, "htm": true, "png": true,
	"jpg": true, "gif": true, "iso": true, "img": true, "vhd": true, "dmp": true, "pf": true, "evtx": true,
	"mov": true, "mp4": true, "xsl": true, "cpl": true, "ocx": true, "drv": true, "pif": true, "inf": true,
}

// isSep reports token separators for free-text scanning.
func isSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '`', '<', '>', '(', ')', '[', ']', '{', '}', ',', ';', '|', '\\', '^':
		return true
	}
	return false
}

// Scan finds entities in free text and adds them with role "related":
// URLs (and their hosts), e-mail addresses, IPv4/IPv6 addresses, MD5/SHA-1/
// SHA-256 hashes, AWS ARNs and instance ids, GCP and Azure resource names,
// and domains that pass a public-suffix check and do not end in a common
// file extension. Invalid addresses such as 000.111.222.10 are skipped.
func (s *Set) Scan(text string) {
	i := 0
	for i < len(text) {
		for i < len(text) && isSep(text[i]) {
			i++
		}
		j := i
		for j < len(text) && !isSep(text[j]) {
			j++
		}
		if j > i {
			s.scanToken(text[i:j])
		}
		i = j
	}
}

func (s *Set) scanToken(tok string) {
	tok = strings.Trim(tok, ".,:;!?*=")
	if len(tok) < 4 || len(tok) > maxValueLen || !utf8.ValidString(tok) {
		return
	}
	if strings.Contains(tok, "://") {
		if k := strings.Index(tok, "://"); k > 0 {
			// Drop a "key=" prefix before the scheme.
			start := k
			for start > 0 && isAlpha(tok[start-1]) {
				start--
			}
			if v, ok := canonicalURL(tok[start:]); ok {
				s.addRelated(alert.EntityURL, v)
				s.addURLHost(v)
			}
		}
		return
	}
	if eq := strings.LastIndexByte(tok, '='); eq >= 0 {
		tok = strings.Trim(tok[eq+1:], ".,:;!?*")
		if len(tok) < 4 {
			return
		}
	}
	lower := strings.ToLower(tok)
	switch {
	case strings.HasPrefix(lower, "arn:aws") || strings.HasPrefix(lower, "arn:"):
		if strings.Count(tok, ":") >= 5 {
			s.addRelated(alert.EntityCloudID, tok)
		}
		return
	case strings.HasPrefix(lower, "/subscriptions/"):
		s.addRelated(alert.EntityCloudID, lower)
		return
	case strings.HasPrefix(tok, "//") && strings.Contains(lower, ".googleapis.com/"):
		s.addRelated(alert.EntityCloudID, tok)
		return
	case isInstanceID(lower):
		s.addRelated(alert.EntityCloudID, lower)
		return
	}
	if strings.IndexByte(tok, '@') > 0 {
		if v, ok := canonicalEmail(tok); ok {
			s.addRelated(alert.EntityEmail, v)
		}
		return
	}
	if n := len(tok); n == 32 || n == 40 || n == 64 {
		if v, ok := canonicalHex(tok, n); ok {
			t := alert.EntityMD5
			switch n {
			case 40:
				t = alert.EntitySHA1
			case 64:
				t = alert.EntitySHA256
			}
			s.addRelated(t, v)
			return
		}
	}
	if isDigit(tok[0]) || strings.IndexByte(tok, ':') >= 0 {
		if v, ok := canonicalIP(tok); ok {
			s.addRelated(alert.EntityIP, v)
			return
		}
		if v, ok := ipWithPort(tok); ok {
			s.addRelated(alert.EntityIP, v)
			return
		}
	}
	if strings.IndexByte(tok, '/') >= 0 || strings.IndexByte(tok, ':') >= 0 {
		return
	}
	if dot := strings.LastIndexByte(lower, '.'); dot > 0 && !fileExtensions[lower[dot+1:]] {
		if v, ok := canonicalDomain(lower); ok {
			s.addRelated(alert.EntityDomain, v)
		}
	}
}

func isInstanceID(v string) bool {
	if !strings.HasPrefix(v, "i-") || (len(v) != 10 && len(v) != 19) {
		return false
	}
	for i := 2; i < len(v); i++ {
		c := v[i]
		if !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ipWithPort reads an address written with a port or an interface in
// free text: "ip:port" (IPv4), "ip/port" (Cisco ASA, Snort) and
// "interface:ip/port" (ASA). A network written "a.b.c.0/n" is a CIDR, not
// an address with a port, and is not read.
func ipWithPort(tok string) (string, bool) {
	if i := strings.LastIndexByte(tok, '/'); i > 0 && i < len(tok)-1 && allDigits(tok[i+1:]) {
		if strings.HasSuffix(tok[:i], ".0") {
			return "", false
		}
		tok = tok[:i]
	} else if i := strings.LastIndexByte(tok, ':'); i > 0 && i < len(tok)-1 && allDigits(tok[i+1:]) && strings.Count(tok, ":") == 1 {
		if v, ok := canonicalIP(tok[:i]); ok && strings.IndexByte(v, ':') < 0 {
			return v, true
		}
	}
	if v, ok := canonicalIP(tok); ok {
		return v, true
	}
	if c := strings.IndexByte(tok, ':'); c > 0 && c < len(tok)-1 && !isDigit(tok[0]) { // "outside:192.0.2.1"
		return canonicalIP(tok[c+1:])
	}
	return "", false
}

func allDigits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
