package report_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pdfStreams returns every stream of a PDF file, inflated when its
// dictionary says /FlateDecode (pure Go: no external tool).
func pdfStreams(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	var out [][]byte
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			return out
		}
		// "endstream" also contains "stream": skip it.
		if i >= 3 && string(rest[i-3:i]) == "end" {
			rest = rest[i+6:]
			continue
		}
		dictStart := bytes.LastIndex(rest[:i], []byte(" obj"))
		if dictStart < 0 {
			dictStart = bytes.LastIndex(rest[:i], []byte("<<"))
		}
		dict := []byte{}
		if dictStart >= 0 {
			dict = rest[dictStart:i]
		}
		body := rest[i+6:]
		body = bytes.TrimPrefix(body, []byte("\r"))
		body = bytes.TrimPrefix(body, []byte("\n"))
		end := bytes.Index(body, []byte("endstream"))
		if end < 0 {
			t.Fatal("pdf: stream without endstream")
		}
		// The dictionary's /Length is exact; trimming line ends instead
		// would cut compressed data that happens to end in one.
		data := bytes.TrimRight(body[:end], "\r\n")
		if m := streamLength.FindSubmatch(dict); m != nil {
			if n, err := strconv.Atoi(string(m[1])); err == nil && n <= len(body) {
				data = body[:n]
			}
		}
		if bytes.Contains(dict, []byte("/FlateDecode")) {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("pdf: inflate: %v", err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("pdf: inflate: %v", err)
			}
		}
		out = append(out, data)
		rest = body[end+9:]
	}
}

var streamLength = regexp.MustCompile(`/Length (\d+)`)

var showText = regexp.MustCompile(`\)\s*Tj`)

// pdfText extracts the text shown by Tj operators in the content streams,
// one string per operator, decoded from Windows-1252.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	var out []string
	for _, s := range pdfStreams(t, pdf) {
		if !bytes.Contains(s, []byte("Tj")) {
			continue
		}
		for i := 0; i < len(s); i++ {
			if s[i] != '(' {
				continue
			}
			str, end := literal(s, i)
			if end < 0 {
				break
			}
			if loc := showText.FindIndex(s[end-1:]); loc != nil && loc[0] == 0 {
				out = append(out, fromCP1252(str))
			}
			i = end - 1
		}
	}
	return out
}

// literal reads the PDF literal string starting at s[i] == '(' and
// returns its bytes and the index after its closing parenthesis (-1 if
// unterminated).
func literal(s []byte, i int) ([]byte, int) {
	var b []byte
	depth := 0
	for j := i; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '\\' && j+1 < len(s):
			j++
			switch e := s[j]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case '\r', '\n':
			default:
				if e >= '0' && e <= '7' {
					v, k := 0, 0
					for ; k < 3 && j+k < len(s) && s[j+k] >= '0' && s[j+k] <= '7'; k++ {
						v = v*8 + int(s[j+k]-'0')
					}
					b = append(b, byte(v))
					j += k - 1
				} else {
					b = append(b, e)
				}
			}
		case c == '(':
			if depth > 0 {
				b = append(b, c)
			}
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return b, j + 1
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return nil, -1
}

var cp1252High = []rune("€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ")

func fromCP1252(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c >= 0x80 && c < 0xa0:
			sb.WriteRune(cp1252High[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// squash drops every space so that text wrapped over lines compares equal.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func TestPDFTextExtractor(t *testing.T) {
	s := []byte(`BT 1 2 Td (a \(b\) \\ c\051 \344) Tj ET BT (x)Tj ET (not shown) Td`)
	got := pdfText(t, append(append([]byte(fmt.Sprintf("1 0 obj\n<< /Length %d >>\nstream\n", len(s))), s...), []byte("\nendstream")...))
	if len(got) != 2 || got[0] != `a (b) \ c) ä` || got[1] != "x" {
		t.Fatalf("extracted %q", got)
	}
}
