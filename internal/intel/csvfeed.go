package intel

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/securenexus/securenexus/internal/apperr"
)

// typeAliases maps type names found in CSV feeds (MISP attribute types,
// common spellings) to indicator types.
var typeAliases = map[string]Type{
	"ip": "", "ip-src": "", "ip-dst": "", "ipaddress": "", "ip_address": "", "ipv4-addr": TypeIPv4, "ipv6-addr": TypeIPv6,
	"subnet": TypeCIDR, "network": TypeCIDR, "hostname": TypeDomain, "domain-name": TypeDomain, "fqdn": TypeDomain,
	"uri": TypeURL, "link": TypeURL, "email-src": TypeEmail, "email-dst": TypeEmail, "email-addr": TypeEmail, "filename": TypeFile,
	"sha-1": TypeSHA1, "sha-256": TypeSHA256, "md-5": TypeMD5,
}

// csvType maps a type cell to an indicator type; "" with ok means "detect
// from the value".
func csvType(s string) (Type, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if t := Type(s); t.Valid() {
		return t, true
	}
	if s == "auto" || s == "" {
		return "", true
	}
	t, ok := typeAliases[s]
	return t, ok
}

// DetectType guesses the indicator type of a bare value: an IP, a CIDR, a
// URL (with a scheme), an e-mail address, an MD5/SHA-1/SHA-256 hash, else
// a domain.
func DetectType(v string) Type {
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil {
		return ipType(a.Unmap().String())
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return TypeCIDR
	}
	if strings.Contains(v, "://") {
		return TypeURL
	}
	if strings.Contains(v, "@") {
		return TypeEmail
	}
	if isHex(v) {
		switch len(v) {
		case 32:
			return TypeMD5
		case 40:
			return TypeSHA1
		case 64:
			return TypeSHA256
		}
	}
	return TypeDomain
}

func isHex(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// maxCSVRecords bounds one CSV feed document.
const maxCSVRecords = 2_000_000

// ParseCSV reads a CSV feed or a plain list (one value a line) with the
// configured columns. Records whose value or type cannot be read are
// counted in bad (validation and the allowlist happen at import).
func ParseCSV(raw []byte, cfg *CSVConfig) (inds []Indicator, bad int, err error) {
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = ','
	if cfg.Delimiter != "" {
		r.Comma = rune(cfg.Delimiter[0])
		if cfg.Delimiter == "t" {
			r.Comma = '\t'
		}
	}
	r.Comment = '#'
	if cfg.Comment != "" {
		r.Comment = rune(cfg.Comment[0])
	}
	if r.Comment == r.Comma {
		return nil, 0, apperr.Validation("invalid CSV configuration", apperr.Field("config.csv.comment", "must differ from the delimiter"))
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	fixed, ok := csvType(cfg.Type)
	if !ok {
		return nil, 0, apperr.Validation("invalid CSV configuration", apperr.Field("config.csv.type", "unknown indicator type"))
	}
	cell := func(rec []string, i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	first := true
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad++
				continue
			}
			return inds, bad, apperr.Validation("invalid CSV", apperr.Field("body", err.Error()))
		}
		if n >= maxCSVRecords {
			return inds, bad, apperr.Validation("CSV feed too large", apperr.Field("body", "more than 2,000,000 records"))
		}
		if first && cfg.Header {
			first = false
			continue
		}
		first = false
		v := cell(rec, cfg.ValueColumn)
		if v == "" {
			continue
		}
		t := fixed
		if cfg.TypeColumn >= 0 {
			var ok bool
			if t, ok = csvType(cell(rec, cfg.TypeColumn)); !ok {
				bad++
				continue
			}
		}
		if t == "" {
			t = DetectType(v)
		}
		ind := Indicator{Type: t, Value: v, Detect: true}
		if c := cell(rec, cfg.ConfidenceColumn); c != "" {
			if x, err := strconv.Atoi(c); err == nil && x >= 0 && x <= 100 {
				ind.Confidence = x
			}
		}
		if tags := cell(rec, cfg.TagsColumn); tags != "" {
			for _, tag := range strings.FieldsFunc(tags, func(r rune) bool { return r == ';' || r == '|' || r == ',' }) {
				if tag = strings.TrimSpace(tag); tag != "" && len(tag) <= 100 {
					ind.Tags = append(ind.Tags, tag)
				}
			}
		}
		ind.Description = cell(rec, cfg.DescriptionColumn)
		inds = append(inds, ind)
	}
	return inds, bad, nil
}
