package report

import (
	"strings"
	"testing"
)

// FuzzToCP1252: whatever the input, the PDF text is Windows-1252 bytes
// with no control character but newline and tab, one byte or a short
// stand-in per rune.
func FuzzToCP1252(f *testing.F) {
	for _, s := range []string{"", "plain", "Łódź “Счёт” 🚨 → ≥", "a\x00b\rc\u200bd", "\xff\xfe", "ﬁ Å ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := toCP1252(s)
		if len(out) > 3*len([]rune(s))+3*len(s) {
			t.Fatalf("output of %d bytes for %d runes", len(out), len([]rune(s)))
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			switch {
			case c == '\n' || c == '\t':
			case c < 0x20 || c == 0x7f, c == 0x81, c == 0x8d, c == 0x8f, c == 0x90, c == 0x9d:
				t.Fatalf("byte %#x at %d of %q (from %q)", c, i, out, s)
			}
		}
	})
}

// FuzzMarkdownCell: a table cell is one line (breaks as <br>) and never
// ends the cell or opens other HTML.
func FuzzMarkdownCell(f *testing.F) {
	for _, s := range []string{"", "a|b", "line\nline\r\nline\r", "<script>", `\|`, "`code`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := mdCell(s)
		if strings.ContainsAny(strings.ReplaceAll(out, "<br>", ""), "\r\n<>") {
			t.Fatalf("cell %q from %q", out, s)
		}
		for i := 0; i < len(out); i++ {
			if out[i] == '|' {
				n := 0
				for j := i - 1; j >= 0 && out[j] == '\\'; j-- {
					n++
				}
				if n%2 == 0 {
					t.Fatalf("unescaped | in %q from %q", out, s)
				}
			}
		}
	})
}
