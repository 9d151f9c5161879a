package report

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The PDF uses the standard Type 1 fonts (Helvetica, Courier), whose text
// is Windows-1252 bytes: nothing to embed, nothing to license. toCP1252
// writes a UTF-8 string in that encoding: Latin-1 and the 27 extra
// Windows-1252 characters are kept, a few common symbols get ASCII
// stand-ins, other letters lose their diacritics (NFKD, combining marks
// dropped: "ő" becomes "o", "ﬁ" "fi"), and whatever is left (Cyrillic,
// CJK, emoji) becomes "?". Control characters other than newline and tab become spaces. The
// Markdown export always carries the exact UTF-8 text.
func toCP1252(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if c, ok := cp1252Byte(r); ok {
			b.WriteByte(c)
			continue
		}
		if alt, ok := cp1252Alt[r]; ok {
			b.WriteString(alt)
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			b.WriteByte(' ')
			continue
		}
		folded := false
		for _, d := range norm.NFKD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if c, ok := cp1252Byte(d); ok && d != r {
				b.WriteByte(c)
				folded = true
			}
		}
		if !folded {
			b.WriteByte('?')
		}
	}
	return b.String()
}

// cp1252Byte is r's Windows-1252 byte, if it has one.
func cp1252Byte(r rune) (byte, bool) {
	switch {
	case r == '\n' || r == '\t':
		return byte(r), true
	case r >= 0x20 && r < 0x7f, r >= 0xa0 && r <= 0xff:
		return byte(r), true
	}
	c, ok := cp1252Extra[r]
	return c, ok
}

var cp1252Extra = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b,
	'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99,
	'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

var cp1252Alt = map[rune]string{
	'→': "->", '←': "<-", '↔': "<->", '⇒': "=>", '≥': ">=", '≤': "<=", '≠': "!=", '✓': "v", '✔': "v", '✗': "x", '✘': "x",
	'‐': "-", '‑': "-", '−': "-", '\u2009': " ", '\u202f': " ", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ı': "i",
}
